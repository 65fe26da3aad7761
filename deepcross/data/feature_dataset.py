"""FeatureDataset: model inputs streamed from a DataFrame or from CSV and Parquet files."""

import math
import numbers
import threading

import grain
import numpy as np

from deepcross.data import files
from deepcross.data import parts
from deepcross.data import pieces
from deepcross.data import readers
from deepcross.data.encoded_cache import EncodedCache
from deepcross.data.feature_iterator import FeatureIterator
from deepcross.features import Bucketized
from deepcross.features import Numeric
from deepcross.features import raw_data


class FeatureDataset(grain.IterDataset):
    """Batches of model inputs, encoded by a `FeatureSpec`, streamed for `fit` and `predict`.

    The Feature stage run as data arrives: rows are read a chunk at a time (from a DataFrame,
    a dict of arrays, or CSV and Parquet files read with pyarrow), encoded by
    `spec.transform`, optionally shuffled, and handed to Keras in batches of
    `(inputs, labels)`, or `inputs` alone without a label; `inputs` are the model's, one
    matrix per dtype, as `spec.transform` packs them. Memory holds at most about
    `shuffle_buffer + 3 * chunk_size + batch_size` encoded rows (`stats["max_rows_held"]`),
    however large the files. See `docs/data.md`.

    It is a `grain.IterDataset`, which Keras reads natively on every backend:
    `model.fit(ds)`, `model.evaluate(ds)` and `model.predict(ds)`. Each iteration over it
    (`iter(ds)`, which Keras makes for each epoch) is one pass over the data, every row
    exactly once, in a fresh shuffle: pass `e` is shuffled by `seed` and `e`, where `e`
    counts the passes iterated to their end before it began (`ds.epoch`). An iteration
    abandoned early (Keras looks at a batch or two before it trains) does not count, so the
    next one starts the same pass again. With `repeat=True` an iteration goes on into the
    next passes without end: for `fit(..., steps_per_epoch=n)`, whose epochs continue one
    iteration. `dc.data.DataPosition` starts a resumed run where its checkpoint left off.

    Attributes: `num_rows` (rows of this shard, bad rows left out; `len(ds)` is the number of
    batches of a pass), `bad_rows` (the `BadRow`s skipped), `epoch` (passes iterated to
    their end), `position` (`(pass, batch)` where the next iteration starts), `stats` (rows
    read from the files and from the cache, and the most rows held at once).

    Args:
        spec: `FeatureSpec`, adapted. A copy is kept, so adapting the spec again later does
            not change this dataset.
        source: a pandas DataFrame, a dict of columns, or a path, folder or list of paths of
            CSV (`.csv`) and Parquet (`.parquet`, `.pq`) files (a folder: its CSV and Parquet
            files, sorted by name).
        label: str or None. The label column, numeric; None for inputs alone (to predict).
            Defaults to None.
        batch_size: int. Rows per batch; the last batch of a pass may hold fewer. Defaults
            to 1024.
        shuffle: bool. Shuffle the files' order and the rows, differently each pass.
            Defaults to False: rows in file order.
        seed: int or None. Makes the shuffle reproducible: pass `e` is the same for the same
            seed. Defaults to None, a random seed drawn when the dataset is made.
        shard: tuple `(index, count)` or None. Keep the rows whose position in the data
            (counting from 0 over the files in the order given, bad rows left out) is
            `index` modulo `count`, so `count` workers see disjoint parts that together are
            all the data. Defaults to None, every row.
        chunk_size: int. Rows read and encoded at a time. Defaults to 65536.
        shuffle_buffer: int. Rows of the shuffle buffer. Defaults to 262144.
        cache_dir: str, path or None. For files: keep the encoded rows in `.npy` files under
            this folder, written during the first full pass and read memory-mapped later.
            Defaults to None.
        on_bad_rows: str. For files: `"error"` (a ValueError naming the file and line) or
            `"skip"` (left out, listed in `bad_rows`, reported in a warning). Defaults to
            `"error"`.
        repeat: bool. One iteration goes on from pass to pass without end, for
            `fit(..., steps_per_epoch=n)`. Defaults to False: an iteration is one pass.
        verbose: int. 1 shows a progress bar while the files are counted. Defaults to 0.

    Example:

    ```python
    train = dc.data.FeatureDataset(spec, ["train-1.csv", "train-2.csv"], label="label",
                                   shuffle=True, seed=0)
    model.fit(train, epochs=3)
    scores = model.predict(dc.data.FeatureDataset(spec, "test.parquet"))  # in file order
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
        repeat=False,
        verbose=0,
    ):
        super().__init__()
        _check_arguments(
            label, batch_size, shuffle, seed, shard, chunk_size, shuffle_buffer, on_bad_rows,
            repeat,
        )  # fmt: skip
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
        self.repeat = repeat
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
            self._parts = [parts.MemoryPart(source, self.spec, label)]
            self._rows = [self._parts[0].rows]
        self._offsets = np.concatenate([[0], np.cumsum(self._rows)[:-1]]).astype(int)
        self._shard_rows = [
            self._kept(offset, rows) for offset, rows in zip(self._offsets, self._rows)
        ]
        self.num_rows = sum(self._shard_rows)
        self._lock = threading.Lock()
        self.epoch = 0
        self._position = (0, 0)

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
        numbers = _number_columns(self.spec.features)
        self._parts = [parts.FilePart(file, self._columns, self.label, numbers) for file in found]

    def _kept(self, offset, rows):
        """How many of rows `offset`...`offset + rows - 1` this shard keeps."""
        if self.shard is None:
            return rows
        index, count = self.shard
        return len(range((index - offset) % count, rows, count))

    # --- Passes and positions -----------------------------------------------------------------

    def __len__(self):
        """Batches in one pass over the data."""
        return math.ceil(self.num_rows / self.batch_size)

    def __iter__(self):
        """A `FeatureIterator` from `position`: the rest of a pass (or passes, with `repeat`)."""
        return FeatureIterator(self, *self.position)

    @property
    def position(self):
        """`(pass, batch)`: where the next iteration starts."""
        with self._lock:
            return max(self._position, (self.epoch, 0))

    def set_position(self, step):
        """Starts the next iteration at batch `step` of the passes one after another (step
        `e * len(self) + b` is batch `b` of pass `e`). Without `repeat`, an iteration is one
        whole pass, so it starts at the beginning of pass `step // len(self)`."""
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"step must be a non-negative integer, received step={step!r}")
        epoch, batch = divmod(int(step), max(len(self), 1))
        with self._lock:
            self.epoch = epoch
            self._position = (epoch, batch if self.repeat else 0)

    def _finished(self, epoch):
        """Pass `epoch` was iterated to its end."""
        with self._lock:
            self.epoch = max(self.epoch, epoch + 1)

    def _count(self, name, rows):
        with self._lock:
            self.stats[name] += rows

    # --- One pass -----------------------------------------------------------------------------

    def _check_files(self):
        for part in self._parts:
            if part.changed():
                raise ValueError(
                    f"{part.name} changed since this dataset counted its rows; make a new "
                    "dataset (dc.data.FeatureDataset(...)) to read it as it is now"
                )

    def pass_batches(self, epoch):
        """The batches of pass `epoch`, in order: what an iteration hands out."""
        self._check_files()
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self._parts)) if self.shuffle else range(len(self._parts))
        held = pieces.Held()
        try:
            stream = pieces.read_ahead(self._pieces(order, held))
            if self.shuffle and self.num_rows:
                buffer_rows = min(self.shuffle_buffer, self.num_rows)
                stream = pieces.shuffled(stream, rng, buffer_rows, self.chunk_size)
            for batch in pieces.batches(stream, self.batch_size, held):
                inputs = dict(zip(self._names, batch))
                yield (inputs, batch[-1]) if self.label is not None else inputs
        finally:
            with self._lock:
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
                    rows = pieces.rows(piece)
                    self._count("rows_from_cache" if cached else "rows_from_source", rows)
                    if writer is not None:
                        writer.write(part, piece)
                    held.add(rows)
                    yield piece
            if writer is not None:
                writer.commit()
                writer = None
        finally:
            if writer is not None:
                writer.discard()

    def _encoded(self, part):
        """Pieces of part `part`: its rows read, this shard's kept, encoded by the spec."""
        keep, seen = None, 0
        if self.shard is not None:
            index, count = self.shard
            offset = self._offsets[part]

            def keep(start, rows):
                return np.flatnonzero((offset + start + np.arange(rows)) % count == index)

        source = self._parts[part]
        for columns, labels, rows, read in source.read(self.chunk_size, keep):
            first, seen = seen + 1, seen + read
            if rows == 0:
                continue
            try:
                arrays = self.spec.transform(columns)
            except ValueError as error:
                where = f"{source.name}, in its rows {first}..{seen}"
                raise ValueError(f"{where} (after bad rows left out): {error}") from error
            yield [arrays[name] for name in self._names] + ([labels] if labels is not None else [])
        if seen != self._rows[part]:
            raise ValueError(
                f"{source.name} changed while it was read: {self._rows[part]} rows were "
                f"counted, {seen} read; make a new dataset"
            )

    def __str__(self):
        return f"FeatureDataset(num_rows={self.num_rows}, batch_size={self.batch_size})"


def _number_columns(features):
    """The columns that only `Numeric` and `Bucketized` features read: numbers, never keys."""
    numbers, others = set(), set()
    for feature in features:
        kind = numbers if isinstance(feature, (Numeric, Bucketized)) else others
        kind.update(feature.source_columns)
    return numbers - others


def _check_arguments(
    label, batch_size, shuffle, seed, shard, chunk_size, shuffle_buffer, on_bad_rows, repeat
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
    for name, value in (("shuffle", shuffle), ("repeat", repeat)):
        if not isinstance(value, bool):
            problems.append(f"{name} must be True or False, received {name}={value!r}")
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
