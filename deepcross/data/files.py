"""Source files and bad rows: what a dataset reads and what it reports.

Shared by the CSV and Parquet readers (`csv_reader`, `readers`): the `SourceFile`s of a path
or list of paths, their columns checked, pyarrow columns as the numpy arrays the value policy
reads, labels parsed, and bad rows raised or collected, each located by file and line.
"""

import collections
import csv
import dataclasses
import difflib
import logging
import os
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from deepcross.features import values

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
ON_BAD_ROWS = ("error", "skip")
_SHOWN = 5  # bad rows named in a warning

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SourceFile:
    """A CSV or Parquet file as found when a dataset was made: what its cache is keyed by."""

    path: str
    format: str
    size: int
    mtime_ns: int

    @classmethod
    def at(cls, path):
        path = pathlib.Path(path).resolve()
        stat = path.stat()
        return cls(str(path), FORMATS[path.suffix.lower()], stat.st_size, stat.st_mtime_ns)

    def changed(self):
        """True when the file's size or modification time is no longer what it was."""
        try:
            return SourceFile.at(self.path) != self
        except OSError:
            return True


@dataclasses.dataclass(frozen=True)
class BadRow:
    """A row left out: its file, where it is, and why.

    `unit` is `"line"` (a CSV file: the line the row starts on), `"row"` (a Parquet file: the
    row, counting from 1) or `"record"` (a CSV record whose line Python's `csv` module could
    not find, counting the header as record 1); `number` counts from 1.
    """

    path: str
    unit: str
    number: int
    reason: str

    def __str__(self):
        return f"{self.path}, {self.unit} {self.number}: {self.reason}"


def source_files(source):
    """The files of a path or list of paths, as `SourceFile`s; a folder gives its CSV and
    Parquet files, sorted by name."""
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    found = []
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            inside = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS
            )
            if not inside:
                raise ValueError(f"Folder {path} holds no .csv, .parquet or .pq file")
            found += inside
        elif path.is_file():
            if path.suffix.lower() not in FORMATS:
                raise ValueError(
                    f"{path}: deepcross reads .csv, .parquet and .pq files, received a "
                    f"{path.suffix or 'file without a suffix'!s} file"
                )
            found.append(path)
        else:
            raise ValueError(
                f"No file or folder at '{path}': data given as a path must name CSV or Parquet "
                f"files or a folder of them (received a {type(paths[0]).__name__})"
            )
    files = [SourceFile.at(path) for path in found]
    twice = repeated_name([file.path for file in files])
    if twice is not None:
        raise ValueError(f"{twice} is listed twice; each file's rows are read once")
    return files


def check_on_bad_rows(on_bad_rows):
    if on_bad_rows not in ON_BAD_ROWS:
        raise ValueError(
            f"on_bad_rows must be one of {ON_BAD_ROWS}, received on_bad_rows={on_bad_rows!r}"
        )


def report(bad_rows):
    """One warning per file naming its first skipped rows and how many were skipped."""
    by_file = {}
    for bad in bad_rows:
        by_file.setdefault(bad.path, []).append(bad)
    for path, rows in by_file.items():
        shown = "; ".join(f"{bad.unit} {bad.number}: {bad.reason}" for bad in rows[:_SHOWN])
        more = f"; and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
        logger.warning(f"Skipped {values.rows_text(len(rows))} of {path}: {shown}{more}")


def to_numpy(column):
    """A pyarrow column as a 1-D numpy array the value policy reads; nulls are missing."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    kind = column.type
    if column.null_count and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
        return values.object_array(column.to_pylist())  # exact ints, None where null
    return column.to_numpy(zero_copy_only=False)


# A decimal number as the value policy reads it, with nothing around it (no spaces).
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def plain_numbers(column):
    """float64 of a pyarrow text column whose every cell is a plain decimal number or empty
    (NaN where empty), parsed by Arrow; None for any other column.

    What the value policy makes of such texts (Arrow and Python both parse a decimal to the
    nearest double, "1e400" to inf), without a Python str per cell. Texts with spaces,
    words ("nan", "inf"), "1_000" and the like give None: the caller reads them as text.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    if column.null_count:
        return None
    empty = pc.equal(pc.utf8_length(column), 0)
    plain = pc.match_substring_regex(column, _PLAIN_NUMBER)
    if not pc.all(pc.or_(empty, plain)).as_py():
        return None
    try:
        numbers = pc.cast(pc.if_else(empty, pa.scalar(None, column.type), column), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return numbers.to_numpy(zero_copy_only=False)


def parse_labels(cells, label):
    """Labels as float64 and, per row, None or why the label is bad (missing, not a number)."""
    try:
        numbers, missing, nonfinite = values.to_float(cells, label)
    except ValueError:  # text that is not a number: cell by cell
        numbers = np.full(len(cells), np.nan)
        missing, nonfinite = np.zeros(len(cells), bool), np.zeros(len(cells), bool)
        for i in range(len(cells)):
            try:
                x, m, n = values.to_float(cells[i : i + 1], label)
                numbers[i], missing[i], nonfinite[i] = x[0], m[0], n[0]
            except ValueError:
                nonfinite[i] = True
    reasons = [None] * len(cells)
    for i in np.flatnonzero(missing | nonfinite):
        shown = repr(cells[i]) if isinstance(cells[i], str) else values.describe(cells[i])
        reasons[i] = (
            f"label '{label}' is missing"
            if missing[i]
            else f"label '{label}' is {shown}, not a finite number"
        )
    return numbers, reasons


class BadRows:
    """Bad rows of one file: raised at once (`"error"`) or kept for the caller (`"skip"`)."""

    def __init__(self, file, on_bad_rows, sink):
        self.file, self.on_bad_rows, self.sink = file, on_bad_rows, sink
        self.found = []  # (record number or row, reason)

    def add(self, number, reason):
        self.found.append((number, reason))

    def check(self):
        """Raises on the first bad row found so far, with `"error"`."""
        if self.found and self.on_bad_rows == "error":
            number, reason = min(self.found)
            bad = self._located([(number, reason)])[0]
            raise ValueError(
                f"{bad}. Pass on_bad_rows='skip' to leave bad rows out (they are counted and "
                "reported in a warning)"
            )

    def close(self):
        self.check()
        if self.sink is not None and self.found:
            self.sink += self._located(sorted(self.found))

    def _located(self, found):
        if self.file.format == "parquet":
            return [BadRow(self.file.path, "row", number, reason) for number, reason in found]
        lines = record_lines(self.file.path, {number for number, _ in found})
        return [
            BadRow(self.file.path, "line", lines[number], reason)
            if number in lines
            else BadRow(self.file.path, "record", number, reason)
            for number, reason in found
        ]


def check_columns(file, header, names):
    """A ValueError naming the file for a column of `names` the header lacks or repeats."""
    twice = repeated_name(header)
    if twice is not None and twice in names:
        raise ValueError(f"{file.path} has column {twice!r} twice in its header line")
    for name in names:
        if name not in header:
            shown = ", ".join(repr(n) for n in header[:20])
            shown += f", ... ({len(header) - 20} more)" if len(header) > 20 else ""
            close = difflib.get_close_matches(name, header, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(
                f"{file.path} has no column '{name}'. Columns present: [{shown}].{hint}"
            )


def arrow_errors(open_reader, file):
    """Iterates the reader `open_reader()` makes; pyarrow's errors become ValueErrors naming
    the file."""
    try:
        iterator = iter(open_reader())
    except pa.ArrowInvalid as error:
        raise ValueError(f"{file.path}: {error}") from None
    while True:
        try:
            batch = next(iterator)
        except StopIteration:
            return
        except pa.ArrowInvalid as error:
            raise ValueError(f"{file.path}: {error}") from None
        yield batch


def record_lines(path, numbers):
    """The line each record starts on (records counted as pyarrow does), for error messages."""
    lines, wanted = {}, set(numbers)
    with open(path, newline="", encoding="latin-1") as f:  # any bytes; lines stay lines
        reader = csv.reader(f)
        record, start = 0, 1
        try:
            for fields in reader:
                if fields:
                    record += 1
                    if record in wanted:
                        lines[record] = start
                        if len(lines) == len(wanted):
                            break
                start = reader.line_num + 1
        except csv.Error:  # a field past csv's size limit: the rest stay record numbers
            pass
    return lines


def repeated_name(names):
    """The first name that occurs more than once in `names`, else None."""
    counts = collections.Counter(names)
    return next((name for name in names if counts[name] > 1), None)
