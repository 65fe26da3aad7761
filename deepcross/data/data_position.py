"""DataPosition: a dataset's position kept with the model's checkpoint, for resumed runs."""

import keras


class DataPosition(keras.callbacks.Callback):
    """Starts a `FeatureDataset` at the batch after the last one the model trained on.

    The position in the data is the optimizer's step count (`model.optimizer.iterations`,
    one step per batch), which every checkpoint saves with the weights: so when
    `keras.callbacks.BackupAndRestore` restores a run killed mid-epoch, the dataset goes on
    with the rows that run had not trained on, in the same order, instead of starting its
    pass again. At the start of each `fit` it calls `dataset.set_position(step)`.

    With `repeat=True` the dataset starts at that very batch, and with
    `fit(..., steps_per_epoch=n)` and a checkpoint at each epoch's end (`save_freq="epoch"`)
    a resumed run trains on exactly the batches the run that was killed would have. Without
    `repeat` an iteration is a whole pass, so the dataset starts at the beginning of the pass
    that was under way (as Keras starts the epoch again).

    Args:
        dataset: `FeatureDataset`. The training data given to `fit`.
        initial_step: int. The optimizer step at which this dataset's batch 0 was trained
            (nonzero when the model trained on other data first). Defaults to 0.

    Example:

    ```python
    train = dc.data.FeatureDataset(spec, files, label="label", shuffle=True, seed=0,
                                   repeat=True)
    model.fit(train, epochs=100, steps_per_epoch=500, callbacks=[
        keras.callbacks.BackupAndRestore("backup"), dc.data.DataPosition(train)])
    ```
    """

    def __init__(self, dataset, initial_step=0):
        super().__init__()
        if isinstance(initial_step, bool) or not isinstance(initial_step, int) or initial_step < 0:
            raise ValueError(
                "initial_step must be a non-negative integer, received "
                f"initial_step={initial_step!r}"
            )
        self.dataset = dataset
        self.initial_step = initial_step
        self._placed = False

    def on_train_begin(self, logs=None):
        self._placed = False

    def on_epoch_begin(self, epoch, logs=None):
        # Here, not in on_train_begin: BackupAndRestore restores the optimizer there, in
        # whatever order the callbacks come; the data is read only after this.
        if self._placed:
            return
        self._placed = True
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.dataset.set_position(max(step - self.initial_step, 0))
