"""FeatureIterator: one iteration over a `FeatureDataset`, from a pass and batch onwards."""

import grain


class FeatureIterator(grain.DatasetIterator):
    """The batches of a `FeatureDataset` from batch `batch` of pass `epoch`, in order.

    Without `repeat` it ends with its pass; with it, it goes on to the next passes. Its state
    (`get_state`) is the pass and batch it hands out next, so a checkpointed iterator starts
    again where it was (`set_state`). Handing out the last batch of a pass tells the dataset
    that the pass ended (`FeatureDataset.epoch`), and finishes the pass's encoded cache.

    Args:
        dataset: `FeatureDataset`.
        epoch: int. The pass to start in.
        batch: int. The batch of that pass to start at.
    """

    def __init__(self, dataset, epoch, batch):
        super().__init__()
        self._dataset = dataset
        self._epoch, self._batch = epoch, batch
        self._stream = None

    def __next__(self):
        dataset, batches = self._dataset, len(self._dataset)
        if self._batch >= batches:
            if not dataset.repeat or batches == 0:
                raise StopIteration
            self._epoch, self._batch = self._epoch + 1, 0
        if self._stream is None:
            self._stream = self._open(self._epoch, self._batch)
        try:
            batch = next(self._stream, None)
        except BaseException:
            self._close_stream()  # the pass failed: a later call starts it again
            raise
        if batch is None:
            self._close_stream()
            raise ValueError(f"{_CHANGED}: fewer batches than counted")
        self._batch += 1
        if self._batch == batches:
            if next(self._stream, None) is not None:  # ends the pass (and writes its cache)
                self._close_stream()
                raise ValueError(f"{_CHANGED}: more batches than counted")
            self._close_stream()
            dataset._finished(self._epoch)
        return batch

    def _open(self, epoch, batch):
        stream = self._dataset.pass_batches(epoch)
        for _ in range(batch):  # a pass is a function of its number: replay to the batch
            next(stream)
        return stream

    def get_state(self):
        return {"epoch": self._epoch, "batch": self._batch}

    def set_state(self, state):
        self._close_stream()
        self._epoch, self._batch = int(state["epoch"]), int(state["batch"])

    def close(self):
        self._close_stream()
        super().close()

    def _close_stream(self):
        if self._stream is not None:
            self._stream.close()  # an unfinished pass leaves no cache behind
            self._stream = None

    def __str__(self):
        return f"FeatureIterator(epoch={self._epoch}, batch={self._batch})"


_CHANGED = "The data changed while it was read (a file written to?)"
