"""CSV and Parquet files read chunk by chunk with pyarrow, for `FeatureDataset` and `adapt`.

Memory is bounded by the chunk size (rows) and pyarrow's CSV block size
(`csv_reader.CSV_BLOCK_BYTES`), never by a file's size; only the columns asked for are read.
CSV fields are text, exactly as the file holds them: an empty field (quoted or not) is the
empty string, which the value policy (`deepcross.features.values`) reads as missing, so it
reaches a feature as missing, never as 0. Parquet columns keep their types; a null is missing.

Bad rows (see `csv_reader`; in a Parquet file, only a missing or non-numeric label) raise a
ValueError naming the file and line with `on_bad_rows="error"`; with `"skip"` they are left
out, listed as `BadRow`s and reported in one warning per file on the `deepcross` logger.
"""

import functools

import keras
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pa_parquet

from deepcross.data import csv_reader
from deepcross.data import files
from deepcross.features import raw_data
from deepcross.features import spec_adapt


def scan(file, columns, label, on_bad_rows, bad_rows, progress=None):
    """Reads `file` once and returns its number of rows, bad rows left out.

    A CSV file is parsed (not encoded); a Parquet file's rows come from its metadata, and
    only its label column is read, to check it. Bad rows are appended to `bad_rows` (with
    `on_bad_rows="skip"`) or raised.
    """
    if file.format == "parquet":
        with _parquet_file(file) as parquet:
            names = [*columns] + ([label] if label is not None else [])
            files.check_columns(file, parquet.schema_arrow.names, names)
            if label is None:
                if progress is not None:
                    progress(file.size)
                return parquet.metadata.num_rows
        columns = []
    rows = 0
    for batch in _valid_batches(file, columns, label, on_bad_rows, bad_rows, progress):
        rows += batch.num_rows
    return rows


def read(file, columns, label, chunk_size):
    """Yields `(table, labels)` of `file`'s rows, `chunk_size` at a time, in order.

    `table` is a pyarrow Table of `columns` (CSV columns as text; Parquet text columns
    dictionary-encoded, as the file stores them), for `columns_of`; `labels` is a float32
    array, or None without a label. Bad rows are left out silently: `scan` reported them.
    """
    batches = _valid_batches(file, columns, label, "skip", None, None, chunk_size, text=True)
    for table in _rechunk(batches, chunk_size):
        labels = None
        if label is not None:
            numbers = files.plain_numbers(table.column(label))  # CSV text, the fast way
            if numbers is None:
                numbers, _ = files.parse_labels(files.to_numpy(table.column(label)), label)
            labels = numbers.astype(np.float32)
        yield table.select(list(columns)), labels


def chunks(source, columns, on_bad_rows="error", verbose=0, chunk_size=65_536):
    """Yields the rows of a path or list of paths as `raw_data.Columns`, for `adapt`."""
    files.check_on_bad_rows(on_bad_rows)
    found = files.source_files(source)
    progress = Progress(found, verbose)
    for i, file in enumerate(found):
        bad_rows = []
        batches = _valid_batches(
            file, columns, None, on_bad_rows, bad_rows, progress.at(i), chunk_size, text=True
        )
        for table in _rechunk(batches, chunk_size):
            yield columns_of(table, columns)
        files.report(bad_rows)
    progress.done()


spec_adapt.read_files_with(chunks)  # FeatureSpec.adapt reads paths with it: features sit below


def columns_of(table, names, numbers=()):
    """A table's columns as `raw_data.Columns`: text stays Arrow until read, and is factorized
    by Arrow (`raw_data.ArrowText`); other columns are numpy (`files.to_numpy`).

    A text column in `numbers` (read only as numbers) whose every cell is empty or a plain
    decimal number is parsed by Arrow (`files.plain_numbers`): what the value policy makes
    of those texts, at a fraction of the cost. Any other text keeps the column as text.
    """
    sources = {}
    for name in names:
        column = table.column(name)
        if _is_text(column.type) or (
            pa.types.is_dictionary(column.type) and _is_text(column.type.value_type)
        ):
            parsed = files.plain_numbers(column) if name in numbers else None
            sources[name] = raw_data.ArrowText(column, None) if parsed is None else parsed
        else:
            sources[name] = files.to_numpy(column)
    return raw_data.Columns(sources, table.num_rows)


def _is_text(kind):
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


class Progress:
    """A `keras.utils.Progbar` over the bytes of files (verbose=1), or nothing (verbose=0)."""

    def __init__(self, found, verbose):
        self._sizes = [file.size for file in found]
        self._bar = keras.utils.Progbar(sum(self._sizes), unit_name="byte") if verbose else None

    def at(self, index):
        """A function taking the bytes read of file `index`, or None when silent."""
        if self._bar is None:
            return None
        before = sum(self._sizes[:index])
        return lambda done: self._bar.update(before + min(done, self._sizes[index]))

    def done(self):
        if self._bar is not None:
            self._bar.update(sum(self._sizes), finalize=True)


def _valid_batches(
    file, columns, label, on_bad_rows, bad_rows, progress, chunk_size=65_536, text=False
):
    """Batches of the file's valid rows; with `text`, Parquet text columns come
    dictionary-encoded, as the file stores them (for `columns_of`)."""
    names = list(dict.fromkeys([*columns] + ([label] if label is not None else [])))
    bad = files.BadRows(file, on_bad_rows, bad_rows)
    if file.format == "csv":
        yield from csv_reader.csv_batches(file, names, label, bad, progress)
    else:
        yield from _parquet_batches(file, names, label, bad, progress, chunk_size, text)
    bad.close()


def _rechunk(batches, chunk_size):
    """pyarrow Tables of exactly `chunk_size` rows (the last one may hold fewer)."""
    pending, held = [], 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        held += batch.num_rows
        while held >= chunk_size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, chunk_size)
            rest = table.slice(chunk_size)
            pending, held = rest.to_batches(), rest.num_rows
    if held:
        yield pa.Table.from_batches(pending)


def _parquet_batches(file, names, label, bad, progress, chunk_size, text=False):
    """Record batches of a Parquet file's rows, those with a bad label left out."""
    with _parquet_file(file) as parquet:
        files.check_columns(file, parquet.schema_arrow.names, names)
        schema = parquet.schema_arrow
    # With `text`, text columns are read as the dictionaries the file stores: no str per cell.
    dictionary = [n for n in names if text and n != label and _is_text(schema.field(n).type)]
    with _parquet_file(file, dictionary or None) as parquet:
        total, emitted = max(parquet.metadata.num_rows, 1), 0
        batches = functools.partial(parquet.iter_batches, batch_size=chunk_size, columns=names)
        for batch in files.arrow_errors(batches, file):
            first, emitted = emitted, emitted + batch.num_rows
            if label is not None:
                _, reasons = files.parse_labels(files.to_numpy(batch.column(label)), label)
                keep = np.array([reason is None for reason in reasons], bool)
                for i in np.flatnonzero(~keep):
                    bad.add(first + int(i) + 1, reasons[i])
                bad.check()
                if not keep.all():
                    batch = batch.filter(pa.array(keep))
            if progress is not None:
                progress(file.size * emitted // total)
            yield batch


def _parquet_file(file, read_dictionary=None):
    try:
        # pre_buffer=False: with pyarrow's default, iter_batches keeps every row group it has
        # read until the file ends (Arrow held 400 MiB at the end of a 400 MiB file; 37 MiB
        # without), so memory grew with the file.
        return pa_parquet.ParquetFile(file.path, read_dictionary=read_dictionary, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as error:
        raise ValueError(f"{file.path} is not a Parquet file pyarrow reads: {error}") from None
