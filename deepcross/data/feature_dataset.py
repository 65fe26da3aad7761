"""FeatureDataset: model inputs streamed from a DataFrame or from CSV and Parquet files."""

import math
import numbers
import threading
from collections.abc import Mapping

import keras
import numpy as np
import pandas as pd

from deepcross.data import files
from deepcross.data import pieces
from deepcross.data import readers
from deepcross.data.encoded_cache import EncodedCache
from deepcross.features import raw_data


class FeatureDataset(keras.utils.PyDataset):
    """Batches of model inputs, encoded by a `FeatureSpec`, streamed for `fit` and `predict`.

    The Feature stage run as data arrives: rows are read a chunk at a time (from a DataFrame,
    a dict of arrays, or CSV and Parquet files read with pyarrow), encoded by
    `spec.transform`, optionally shuffled, and handed to Keras in batches of
    `(inputs, labels)`, or `inputs` alone without a label; `inputs` are the model's, one
    matrix per dtype, as `spec.transform` packs them. Memory holds at most about
    `shuffle_buffer + 2 * chunk_size + batch_size` encoded rows (`stats["max_rows_held"]`),
    however large the files. Made by `FeatureSpec.dataset`; see there and `docs/data.md`.

    It is a `keras.utils.PyDataset` with a known length, so `model.fit(ds)`,
    `model.evaluate(ds)` and `model.predict(ds)` work on every backend. Rows stream in order,
    so `ds[i]` returns the epoch's next batch whatever `i` is: Keras's own `shuffle=` changes
    nothing (shuffle here with `shuffle=True`). Each full pass over the batches is one epoch,
    with every row exactly once; the next pass is the next epoch. A look Keras takes before
    it trains or evaluates does not count: batches handed out outside a Keras epoch (the
    TensorFlow backend's look at two) and a Keras epoch that took only the first batch of a
    pass (the PyTorch and JAX backends' look at one, once) leave the next Keras epoch to
    start that pass again. Keras epochs shorter than the pass (`steps_per_epoch`) continue
    it. Read by one worker (`workers=1`).

    Attributes: `num_rows` (rows of this shard, bad rows left out; `len(ds)` is the number of
    batches), `bad_rows` (the `BadRow`s skipped), `epoch` (full passes made so far), `stats`
    (rows read from the files and from the cache, and the most rows held at once).

    Args:
        spec: `FeatureSpec`, adapted. A copy is kept, so adapting the spec again later does
            not change this dataset.
        source: a pandas DataFrame, a dict of columns, or a path, folder or list of paths of
            CSV (`.csv`) and Parquet (`.parquet`, `.pq`) files (a folder: its CSV and Parquet
            files, sorted by name).
        label: str or None. The label column, numeric; None for inputs alone (to predict).
            Defaults to None.
        batch_size: int. Rows per batch; the last batch may hold fewer. Defaults to 1024.
        shuffle: bool. Shuffle the files' order and the rows, differently each epoch.
            Defaults to False: rows in file order.
        seed: int or None. Makes the shuffle reproducible: epoch `e` is the same for the same
            seed. Defaults to None, a random seed drawn when the dataset is made.
        shard: tuple `(index, count)` or None. Keep the rows whose position in the data
            (counting from 0 over the files in the order given, bad rows left out) is
            `index` modulo `count`, so `count` workers see disjoint parts that together are
            all the data. Defaults to None, every row.
        chunk_size: int. Rows read and encoded at a time. Defaults to 65536.
        shuffle_buffer: int. Rows of the shuffle buffer. Defaults to 262144.
        cache_dir: str, path or None. For files: keep the encoded rows in `.npy` files under
            this folder, written during the first full epoch and read memory-mapped later.
            Defaults to None.
        on_bad_rows: str. For files: `"error"` (a ValueError naming the file and line) or
            `"skip"` (left out, listed in `bad_rows`, reported in a warning). Defaults to
            `"error"`.
        verbose: int. 1 shows a progress bar while the files are counted. Defaults to 0.

    Example:

    ```python
    train = spec.dataset(["train-1.csv", "train-2.csv"], label="label", shuffle=True, seed=0)
    model.fit(train, epochs=3)
    scores = model.predict(spec.dataset("test.parquet"))  # rows in the file's order
    ```
    """

    def __init__(
        self,
        spec,
        source,
        label=None,
        batch_size=1024,
        shuffle=False,
        seed=None,
        shard=None,
        chunk_size=65_536,
        shuffle_buffer=262_144,
        cache_dir=None,
        on_bad_rows="error",
        verbose=0,
    ):
        super().__init__(workers=1, use_multiprocessing=False)
        _check_arguments(
            label, batch_size, shuffle, seed, shard, chunk_size, shuffle_buffer, on_bad_rows
        )
        if not spec.is_adapted:
            unadapted = [f.name for f in spec.features if f.state_key not in (None, *spec.learned)]
            raise ValueError(
                f"The spec is not adapted: call spec.adapt(data) first (unadapted: {unadapted})"
            )
        self.spec = spec.copy()
        self.label = label
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else seed
        self.shard = tuple(shard) if shard is not None else None
        self.chunk_size = chunk_size
        self.shuffle_buffer = shuffle_buffer
        self.stats = {"rows_from_source": 0, "rows_from_cache": 0, "max_rows_held": 0}
        self.bad_rows = []
        self._names = list(self.spec.layout.keys)  # the model's inputs, one per dtype
        self._columns = list(
            dict.fromkeys(c for feature in self.spec.features for c in feature.source_columns)
        )
        self._cache = None
        if raw_data.is_file_source(source):
            self._open_files(source, cache_dir, on_bad_rows, verbose)
        else:
            if cache_dir is not None:
                raise ValueError(
                    "cache_dir caches the encoding of files; data in memory is encoded as it "
                    "streams (or encode it once with spec.transform)"
                )
            self._parts = [_MemoryPart(source, self.spec, label)]
            self._rows = [self._parts[0].rows]
        self._offsets = np.concatenate([[0], np.cumsum(self._rows)[:-1]]).astype(int)
        self._shard_rows = [
            self._kept(offset, rows) for offset, rows in zip(self._offsets, self._rows)
        ]
        self.num_rows = sum(self._shard_rows)
        self._lock = threading.Lock()
        self._stream, self._served, self.epoch = None, 0, 0
        # Keras's looks before an epoch (see the class docstring) restart the pass.
        self._in_keras_epoch, self._outside, self._restart, self._looked = (
            False,
            False,
            False,
            False,
        )
        self._epoch_calls, self._epoch_from_start = 0, True

    def _open_files(self, source, cache_dir, on_bad_rows, verbose):
        found = files.source_files(source)
        if cache_dir is not None:
            layouts = {key: ((width,), key) for key, width in self.spec.layout.widths.items()}
            self._cache = EncodedCache(
                cache_dir, self.spec.get_config(), self.label, self.shard, on_bad_rows, found,
                layouts,
            )  # fmt: skip
        if self._cache is not None and self._cache.complete:
            self._rows, self.bad_rows = self._cache.meta()
        else:
            progress = readers.Progress(found, verbose)
            self._rows = [
                readers.scan(
                    file, self._columns, self.label, on_bad_rows, self.bad_rows, progress.at(i)
                )
                for i, file in enumerate(found)
            ]
            progress.done()
        files.report(self.bad_rows)
        self._parts = [_FilePart(file, self._columns, self.label) for file in found]

    def _kept(self, offset, rows):
        """How many of rows `offset`...`offset + rows - 1` this shard keeps."""
        if self.shard is None:
            return rows
        index, count = self.shard
        return len(range((index - offset) % count, rows, count))

    # --- keras.utils.PyDataset ---------------------------------------------------------------

    def __len__(self):
        return math.ceil(self.num_rows / self.batch_size)

    def __getitem__(self, index):
        """The epoch's next batch (`index` is not a position: rows stream in order)."""
        if not isinstance(index, numbers.Integral) or not 0 <= index < len(self):
            raise IndexError(f"A dataset of {len(self)} batches has no batch {index!r}")
        with self._lock:
            if not self._in_keras_epoch:
                self._outside = True
            self._epoch_calls += 1
            if self._stream is None:
                self._check_files()
                self._stream, self._served = self._batches(self.epoch), 0
            try:
                batch = next(self._stream, None)
            except BaseException:
                self._stream = None  # the pass failed: a later call starts it again
                raise
            if batch is None:
                raise ValueError(f"{self._changed()}: fewer batches than counted")
            self._served += 1
            if self._served == len(self):
                if next(self._stream, None) is not None:  # finishes the epoch (and its cache)
                    raise ValueError(f"{self._changed()}: more batches than counted")
                self._stream = None
                self.epoch += 1
            return batch

    def on_epoch_begin(self):
        with self._lock:
            if (self._outside or self._restart) and self._stream is not None:
                self._stream.close()  # Keras only looked: start the pass again
                self._stream = None
            self._outside, self._restart, self._in_keras_epoch = False, False, True
            self._epoch_calls, self._epoch_from_start = 0, self._stream is None

    def on_epoch_end(self):
        with self._lock:
            if not self._in_keras_epoch:
                return
            self._in_keras_epoch = False
            # One batch from the start of a pass is a look (or a first `steps_per_epoch=1`
            # epoch, which then sees that batch once more), restarted once.
            look = self._epoch_calls == 1 and self._epoch_from_start and len(self) > 1
            self._restart = look and not self._looked
            self._looked = look

    # --- One epoch ----------------------------------------------------------------------------

    def _check_files(self):
        for part in self._parts:
            if isinstance(part, _FilePart) and part.file.changed():
                raise ValueError(
                    f"{part.file.path} changed since this dataset counted its rows; make a new "
                    "dataset (spec.dataset(...)) to read it as it is now"
                )

    def _changed(self):
        return "The data changed while it was read (a file written to?)"

    def _batches(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self._parts)) if self.shuffle else range(len(self._parts))
        held = pieces.Held()
        try:
            stream = self._pieces(order, held)
            if self.shuffle and self.num_rows:
                buffer_rows = min(self.shuffle_buffer, self.num_rows)
                stream = pieces.shuffled(stream, rng, buffer_rows, self.chunk_size)
            for batch in pieces.batches(stream, self.batch_size, held):
                inputs = dict(zip(self._names, batch))
                yield (inputs, batch[-1]) if self.label is not None else inputs
        finally:
            self.stats["max_rows_held"] = max(self.stats["max_rows_held"], held.most)

    def _pieces(self, order, held):
        """Encoded pieces of the parts in `order`: from the cache, or read and encoded."""
        cached = self._cache is not None and self._cache.complete
        writer = None
        if self._cache is not None and not cached:
            writer = self._cache.writer(self._rows, self._shard_rows, self.bad_rows)
        try:
            for part in order:
                if cached:
                    source = (
                        self._cache.read(part, self.chunk_size) if self._shard_rows[part] else ()
                    )
                else:
                    source = self._encoded(part)
                for piece in source:
                    self.stats["rows_from_cache" if cached else "rows_from_source"] += pieces.rows(
                        piece
                    )
                    if writer is not None:
                        writer.write(part, piece)
                    held.add(pieces.rows(piece))
                    yield piece
            if writer is not None:
                writer.commit()
                writer = None
        finally:
            if writer is not None:
                writer.discard()

    def _encoded(self, part):
        """Pieces of part `part`: its rows read, this shard's kept, encoded by the spec."""
        seen = 0
        for columns, labels, rows in self._parts[part].read(self.chunk_size):
            start = self._offsets[part] + seen
            seen += rows
            if self.shard is not None:
                index, count = self.shard
                keep = np.flatnonzero((start + np.arange(rows)) % count == index)
                columns = {name: column[keep] for name, column in columns.items()}
                labels = labels[keep] if labels is not None else None
                rows = len(keep)
            if rows == 0:
                continue
            try:
                arrays = self.spec.transform(columns)
            except ValueError as error:
                first = start - self._offsets[part] + 1
                where = f"{self._parts[part].name}, in its rows {first}..{first + seen - 1}"
                raise ValueError(f"{where} (after bad rows left out): {error}") from error
            yield [arrays[name] for name in self._names] + ([labels] if labels is not None else [])
        if seen != self._rows[part]:
            raise ValueError(
                f"{self._parts[part].name} changed while it was read: {self._rows[part]} rows "
                f"were counted, {seen} read; make a new dataset"
            )


class _FilePart:
    def __init__(self, file, columns, label):
        self.file, self.columns, self.label = file, columns, label
        self.name = file.path

    def read(self, chunk_size):
        return readers.read(self.file, self.columns, self.label, chunk_size)


class _MemoryPart:
    """A DataFrame or a dict of columns, read a chunk at a time."""

    name = "The data"

    def __init__(self, data, spec, label):
        if not isinstance(data, (pd.DataFrame, Mapping)):
            raise ValueError(
                "source must be a pandas DataFrame, a dict of columns, or a path or list of "
                f"paths of CSV and Parquet files; received {type(data).__name__}"
            )
        columns, self.rows = raw_data.as_columns(data)
        self.columns = {}
        for feature in spec.features:
            for name in feature.source_columns:
                self.columns[name] = raw_data.column(columns, name, feature.name)
        self.labels = None
        if label is not None:
            if label not in columns:
                raise ValueError(f"The data has no label column '{label}'")
            numbers, reasons = files.parse_labels(columns[label], label)
            bad = [i for i, reason in enumerate(reasons) if reason is not None]
            if bad:
                raise ValueError(
                    f"Row {bad[0]}: {reasons[bad[0]]} ({len(bad)} such rows in all); labels "
                    "must be finite numbers"
                )
            self.labels = numbers.astype(np.float32)

    def read(self, chunk_size):
        for start in range(0, self.rows, chunk_size):
            end = min(start + chunk_size, self.rows)
            columns = {name: column[start:end] for name, column in self.columns.items()}
            labels = self.labels[start:end] if self.labels is not None else None
            yield columns, labels, end - start


def _check_arguments(
    label, batch_size, shuffle, seed, shard, chunk_size, shuffle_buffer, on_bad_rows
):
    """Checks every argument at once, naming each bad one and what it received."""
    problems = []
    if label is not None and (not isinstance(label, str) or not label):
        problems.append(f"label must be a column name or None, received label={label!r}")
    for name, value in (
        ("batch_size", batch_size),
        ("chunk_size", chunk_size),
        ("shuffle_buffer", shuffle_buffer),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            problems.append(f"{name} must be a positive integer, received {name}={value!r}")
    if not isinstance(shuffle, bool):
        problems.append(f"shuffle must be True or False, received shuffle={shuffle!r}")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        problems.append(f"seed must be a non-negative integer or None, received seed={seed!r}")
    if shard is not None:
        ok = (
            isinstance(shard, (tuple, list))
            and len(shard) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in shard)
            and shard[1] >= 1
            and 0 <= shard[0] < shard[1]
        )
        if not ok:
            problems.append(
                "shard must be a pair (index, count) with 0 <= index < count, received "
                f"shard={shard!r}"
            )
    if on_bad_rows not in files.ON_BAD_ROWS:
        problems.append(
            f"on_bad_rows must be one of {files.ON_BAD_ROWS}, received on_bad_rows={on_bad_rows!r}"
        )
    if problems:
        raise ValueError("; ".join(problems))
