"""EncodedCache: a dataset's encoded columns on disk, written once, read memory-mapped.

A dataset read from files with `cache_dir` writes, during its first full epoch, every file's
encoded model inputs (int32 table rows, float32 values) and labels to `.npy` files; later
epochs, and later datasets with the same key, read them with `np.load(mmap_mode="r")` instead
of parsing and encoding the files again.

The key is a hash of everything the encoded rows depend on: the spec's config (its features
and what it learned), the label column, the shard, `on_bad_rows`, and each file's path, size
and modification time. Any change gives a new key, so a stale cache is never read. When a new
cache is complete, older caches of the same files, label and shard in the same folder are
deleted. A cache is written to a temporary folder and renamed into place when its epoch ends,
so an interrupted epoch leaves no cache behind that looks complete.
"""

import hashlib
import json
import os
import pathlib
import shutil
import tempfile

import numpy as np

from deepcross.data.files import BadRow

_FORMAT = 2  # 2: one array per dtype (the model's packed inputs), not per feature


class EncodedCache:
    """The cache of one dataset: folder `cache_dir/<key>`, with `meta.json` once complete.

    Args:
        cache_dir: str or path. The folder holding caches; made when missing.
        spec_config: dict. The spec's config (`FeatureSpec.get_config()`).
        label: str or None. The label column.
        shard: tuple `(index, count)` or None.
        on_bad_rows: str. How bad rows are treated.
        files: list of `SourceFile`.
        layouts: dict of input name (a dtype, see `FeatureSpec.layout`) to `(shape, dtype)`,
            a row's shape and dtype, in the order pieces hold their arrays (the labels,
            float32 scalars, come last).
    """

    def __init__(self, cache_dir, spec_config, label, shard, on_bad_rows, files, layouts):
        self.folder = pathlib.Path(cache_dir)
        self.names = list(layouts)
        self.layouts = list(layouts.values()) + ([((), "float32")] if label is not None else [])
        self.has_label = label is not None
        group = {
            "format": _FORMAT,
            "label": label,
            "shard": list(shard) if shard else None,
            "paths": [file.path for file in files],
        }
        keyed = dict(group, spec=spec_config, on_bad_rows=on_bad_rows)
        keyed["files"] = [[file.path, file.size, file.mtime_ns] for file in files]
        self.group = _digest(group)
        self.key = _digest(keyed)
        self.path = self.folder / self.key

    @property
    def complete(self):
        return (self.path / "meta.json").is_file()

    def meta(self):
        """`rows` (rows of each file, unsharded) and `bad_rows` (`BadRow`s) of a complete cache."""
        meta = json.loads((self.path / "meta.json").read_text())
        return meta["rows"], [BadRow(*bad) for bad in meta["bad_rows"]]

    def read(self, part, chunk_size):
        """Yields the encoded arrays of file `part`, `chunk_size` rows at a time, in order."""
        arrays = [np.load(path, mmap_mode="r") for path in self._paths(self.path, part)]
        rows = len(arrays[0]) if arrays else 0
        for start in range(0, rows, chunk_size):
            yield [np.array(array[start : start + chunk_size]) for array in arrays]

    def writer(self, rows, shard_rows, bad_rows):
        """A `CacheWriter` for this cache: `rows` per file, `shard_rows` kept per file."""
        return CacheWriter(self, rows, shard_rows, bad_rows)

    def _paths(self, folder, part):
        paths = [folder / f"{part}.input.{name}.npy" for name in self.names]
        return paths + ([folder / f"{part}.label.npy"] if self.has_label else [])


class CacheWriter:
    """Writes one epoch's encoded pieces, file by file, then `commit`s or `discard`s them."""

    def __init__(self, cache, rows, shard_rows, bad_rows):
        self.cache = cache
        self.rows, self.shard_rows, self.bad_rows = list(rows), list(shard_rows), list(bad_rows)
        cache.folder.mkdir(parents=True, exist_ok=True)
        self.temp = pathlib.Path(
            tempfile.mkdtemp(prefix=f"{cache.key}.", suffix=".partial", dir=cache.folder)
        )
        self._open = {}  # part -> memory-mapped arrays being written
        self._written = {}  # part -> rows written

    def write(self, part, arrays):
        """Appends the encoded `arrays` (one per feature, then the labels) of file `part`."""
        if part not in self._open:
            paths = self.cache._paths(self.temp, part)
            rows = self.shard_rows[part]
            self._open[part] = [
                np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(rows, *shape))
                for path, (shape, dtype) in zip(paths, self.cache.layouts)
            ]
            self._written[part] = 0
        start = self._written[part]
        for target, array in zip(self._open[part], arrays):
            target[start : start + len(array)] = array
        self._written[part] = start + len(arrays[0])

    def commit(self):
        """Completes the cache: writes files with no rows, `meta.json`, renames into place."""
        for part, rows in enumerate(self.shard_rows):
            if self._written.get(part, 0) != rows:
                self.discard()
                raise ValueError(
                    f"The cache of file {part} received {self._written.get(part, 0)} rows, "
                    f"expected {rows}"
                )
            if part not in self._open:
                for path, (shape, dtype) in zip(
                    self.cache._paths(self.temp, part), self.cache.layouts
                ):
                    np.save(path, np.zeros((0, *shape), dtype))
        for arrays in self._open.values():
            for array in arrays:
                array.flush()
        self._open = {}
        meta = {
            "key": self.cache.key,
            "group": self.cache.group,
            "rows": self.rows,
            "bad_rows": [[b.path, b.unit, b.number, b.reason] for b in self.bad_rows],
        }
        (self.temp / "meta.json").write_text(json.dumps(meta))
        try:
            os.replace(self.temp, self.cache.path)
        except OSError:  # another process completed the same cache first
            shutil.rmtree(self.temp, ignore_errors=True)
            return
        _prune(self.cache)

    def discard(self):
        """Deletes what was written: the epoch did not end."""
        self._open = {}
        shutil.rmtree(self.temp, ignore_errors=True)


def _prune(cache):
    """Deletes caches of the same files, label and shard made with other keys: stale ones."""
    for meta_path in cache.folder.glob("*/meta.json"):
        folder = meta_path.parent
        if folder == cache.path:
            continue
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("group") == cache.group and meta.get("key") != cache.key:
            shutil.rmtree(folder, ignore_errors=True)


def _digest(value):
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]
