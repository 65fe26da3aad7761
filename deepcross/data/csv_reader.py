"""CSV files read with pyarrow's streaming reader: text columns, bad rows found and located.

Every column read is text, exactly as the file holds it, so an empty field is the empty
string, which the value policy reads as missing. Records may span lines (a quoted field
holding a newline); blank lines and lines of spaces are no rows. Bad rows: the wrong number of
fields, text that is not UTF-8 in a column read, and a missing or non-numeric label. A last
line without a newline at its end is a row like any other when it has every field.
"""

import csv
import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from deepcross.data import files

CSV_BLOCK_BYTES = 1 << 20  # pyarrow parses a CSV file this many bytes at a time


def csv_batches(file, names, label, bad, progress):
    """Record batches of a CSV file's valid rows, `names` as text columns."""
    header = _csv_header(file.path)
    files.check_columns(file, header, names)
    skipped = []  # record numbers pyarrow left out (header = record 1; blank lines uncounted)

    def on_invalid_row(row):
        skipped.append(row.number)
        if row.text.strip():  # a line of spaces is no row, as in csv_checks
            bad.add(row.number, f"{row.actual_columns} fields, expected {row.expected_columns}")
        return "skip"

    source = pa.OSFile(file.path)
    try:
        reader = files.arrow_errors(
            lambda: pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid_row
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={name: pa.binary() for name in names}, include_columns=names
                ),
            ),
            file,
        )
        emitted = 0
        for batch in reader:
            rows = batch.num_rows
            batch = _text_rows(batch, label, emitted, skipped, bad)
            emitted += rows
            bad.check()
            if progress is not None:
                progress(source.tell())
            if batch.num_rows:
                yield batch
    finally:
        source.close()
    bad.check()


def _text_rows(batch, label, emitted, skipped, bad):
    """The batch with its columns as UTF-8 text, its bad rows (reported to `bad`) left out."""
    keep = np.ones(batch.num_rows, bool)
    reasons = {}
    texts = []
    for name, column in zip(batch.schema.names, batch.columns):
        try:
            texts.append(column.cast(pa.string()))
        except pa.ArrowInvalid:
            texts.append(None)
            for i, cell in enumerate(column.to_pylist()):
                try:
                    cell.decode("utf-8")
                except UnicodeDecodeError:
                    keep[i] = False
                    reasons.setdefault(i, f"column '{name}' is not UTF-8 text")
    if not keep.all():
        kept = batch.filter(pa.array(keep))
        texts = [column.cast(pa.string()) for column in kept.columns]
    text = pa.RecordBatch.from_arrays(texts, names=batch.schema.names)
    if label is not None:
        numbers = files.plain_numbers(text.column(label))
        if numbers is None or np.isnan(numbers).any():  # a label that is no plain number
            _, label_reasons = files.parse_labels(files.to_numpy(text.column(label)), label)
            kept_rows = np.flatnonzero(keep)
            for j, reason in enumerate(label_reasons):
                if reason is not None:
                    keep[kept_rows[j]] = False
                    reasons[kept_rows[j]] = reason
            text = text.filter(pa.array(keep[kept_rows]))
    for i in sorted(reasons):
        bad.add(_record(emitted + i, skipped), reasons[i])
    return text


def _record(row, skipped):
    """The record number of the `row`-th row pyarrow emitted (0-based), given skipped records."""
    record = row + 2
    for number in sorted(skipped):
        if number > record:
            break
        record += 1
    return record


def _csv_header(path):
    """The header line's names; a ValueError for an empty file or a header that is not UTF-8."""
    with open(path, "rb") as f:
        for line in f:
            if line.strip(b"\r\n"):
                break
        else:
            raise ValueError(f"{path} is empty: it has no header line")
    if not line.endswith(b"\n"):
        raise ValueError(
            f"{path}: the header line has no newline at its end, so the file was likely cut off "
            "inside it; if it is complete, end it with a newline"
        )
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: the header line is not UTF-8 text ({error})") from None
    return next(csv.reader([text.rstrip("\r\n")]))


def last_line_cut_off(path):
    """True when the file's last line lacks its newline and is not blank
    (`deepcross.datasets.csv_checks.cut_off_line` on the file's tail), for `deepcross
    predict`; `csv_batches` reads such a line as a row when it has every field."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        tail, position = b"", end
        while position > 0 and b"\n" not in tail:
            step = min(position, 1 << 16)
            position -= step
            f.seek(position)
            tail = f.read(step) + tail
    last = tail.rsplit(b"\n", 1)[-1]
    return last.strip() != b""
