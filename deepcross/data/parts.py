"""The parts a `FeatureDataset` reads its rows from: a file, or a DataFrame or dict in memory.

Each part reads its rows in order, `chunk_size` at a time, as `(columns, labels, kept, read)`:
`columns` the raw columns the spec's features read (what `FeatureSpec.transform` takes) of
the `kept` rows, `labels` float32 or None, and `read` the rows read before `keep`. `keep`,
when given, takes a chunk's first row (counted from the part's first row) and its number of
rows and returns the indices of the rows to keep: a shard.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from deepcross.data import files
from deepcross.data import readers
from deepcross.features import raw_data


class FilePart:
    """A CSV or Parquet file (`files.SourceFile`), its rows counted by `readers.scan`.

    `numbers` names the columns read only as numbers (`readers.columns_of`)."""

    def __init__(self, file, columns, label, numbers=()):
        self.file, self.columns, self.label, self.numbers = file, columns, label, numbers
        self.name = file.path

    def read(self, chunk_size, keep=None):
        seen = 0
        for table, labels in readers.read(self.file, self.columns, self.label, chunk_size):
            rows = table.num_rows
            if keep is not None:
                kept = keep(seen, rows)
                table = table.take(kept)
                labels = labels[kept] if labels is not None else None
            seen += rows
            columns = readers.columns_of(table, self.columns, self.numbers)
            yield columns, labels, table.num_rows, rows

    def changed(self):
        return self.file.changed()


class MemoryPart:
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

    def read(self, chunk_size, keep=None):
        for start in range(0, self.rows, chunk_size):
            end = min(start + chunk_size, self.rows)
            rows = slice(start, end) if keep is None else start + keep(start, end - start)
            columns = {name: column[rows] for name, column in self.columns.items()}
            labels = self.labels[rows] if self.labels is not None else None
            kept = end - start if keep is None else len(rows)
            yield columns, labels, kept, end - start

    def changed(self):
        return False
