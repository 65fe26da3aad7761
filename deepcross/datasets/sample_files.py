"""`read_samples`: a sample table from a CSV file, the lesson's own `testSamples.csv` included.

The table read has the columns and dtypes of `build_samples` (see
`deepcross.datasets.columns`), so a model trains on either. Bad rows are an error naming the
file, line and column, or are skipped and counted in one summary logged on the `deepcross`
logger.
"""

import decimal
import io
import logging
import os
import pathlib

import numpy as np
import pandas as pd

from deepcross.data.files import repeated_name
from deepcross.datasets.columns import FLOAT_COLUMNS
from deepcross.datasets.columns import INT_COLUMNS
from deepcross.datasets.columns import RATED_MOVIES
from deepcross.datasets.columns import SAMPLE_COLUMNS
from deepcross.datasets.columns import with_dtypes
from deepcross.datasets.csv_checks import cut_off_line

ON_BAD_ROWS = ("error", "skip")
_INT64_MIN, _INT64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)
_CUT_OFF = "no newline at its end, so the file was likely cut off inside this row"

logger = logging.getLogger(__name__)


def read_samples(path, *, on_bad_rows="error"):
    """Reads a sample table from a CSV file with the columns `SAMPLE_COLUMNS`.

    Reads the lesson's own files as they are: an empty field and a quoted empty field (`""`)
    both mean "absent". The result has the dtypes of `build_samples`, so a model trains on
    either. Columns beyond `SAMPLE_COLUMNS` are kept, as text, after them. Blank lines are
    ignored; each record must sit on one line. A file with a header line and no rows gives a
    table with no rows (and the same columns and dtypes).

    A bad row is one with the wrong number of fields, a missing or non-numeric value in a
    numeric column, a non-integer where an integer belongs (ids, counts, years, `label`, which
    must be 0 or 1), a non-integer movie id in `userRatedMovie1..5`, or the file's last row when
    it has no newline at its end: a file cut off inside its last row still parses (`Thriller`
    read as `Thril`), so that row is not trusted. If it is complete, end the file with a
    newline.

    Args:
        path: str or path. The CSV file.
        on_bad_rows: str. `"error"`: raise on the first bad row, naming the file, its line and
            column. `"skip"`: leave bad rows out and log one summary line on the `deepcross`
            logger: a warning when rows were skipped, else at level INFO. Defaults to
            `"error"`.

    Returns:
        A pd.DataFrame; `df.attrs["bad_rows"]` lists the skipped rows as
        `(line, column, value)` tuples (`column` is None, `value` the reason, for a row with
        the wrong number of fields or a cut-off last row).

    Raises:
        ValueError: the file is empty, its header line lacks a column of `SAMPLE_COLUMNS`,
            names a column twice or is cut off (the file's only line, with no newline), or
            (with `"error"`) a row is bad.

    Example:

    ```python
    samples = dc.datasets.read_samples("testSamples.csv", on_bad_rows="skip")
    ```
    """
    if on_bad_rows not in ON_BAD_ROWS:
        raise ValueError(
            f"on_bad_rows must be one of {ON_BAD_ROWS}, received on_bad_rows={on_bad_rows!r}"
        )
    shown_path = os.fspath(path)
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{shown_path} is not a UTF-8 text file: {error}") from None
    cut = cut_off_line(text)
    lines = pd.Series(text.split("\n"), dtype=object)
    if len(lines) and lines.iloc[-1] == "":
        lines = lines.iloc[:-1]
    lines = lines.str.rstrip("\r")
    lines.index = np.arange(1, len(lines) + 1)  # 1-based line numbers
    lines = lines[lines.str.strip() != ""]
    if lines.empty:
        raise ValueError(f"{shown_path} is empty: it has no header line")
    if cut == lines.index[0]:
        raise ValueError(
            f"{shown_path}, line {cut}: the header line has no newline at its end, so the "
            "file was likely cut off inside it; if it is complete, end it with a newline"
        )
    header = _parse_lines(lines.iloc[:1], None, shown_path).iloc[0].str.strip().tolist()
    repeated = repeated_name(header)
    if repeated is not None:
        raise ValueError(f"{shown_path} has column {repeated!r} twice in its header line")
    missing = [name for name in SAMPLE_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"{shown_path} has no column {missing[0]!r} in its header line")
    lines = lines.iloc[1:]
    bad_rows = []
    if cut is not None:  # The last line left, by the checks above.
        bad_rows.append((int(cut), None, _CUT_OFF))
        lines = lines.iloc[:-1]

    # Fields per line, counting commas outside quotes; odd quotes would span lines.
    unquoted = lines.str.replace(r'"[^"]*"', "", regex=True)
    fields = unquoted.str.count(",").to_numpy() + 1
    odd = (lines.str.count('"').to_numpy() % 2) == 1
    wrong = odd | (fields != len(header))
    bad_rows += [
        (int(line), None, "unbalanced quotes" if is_odd else f"{count} fields, expected "
         f"{len(header)}")
        for line, count, is_odd in zip(lines.index[wrong], fields[wrong], odd[wrong])
    ]  # fmt: skip
    lines = lines[~wrong]
    raw = _parse_lines(lines, header, shown_path)

    # Cell checks, column by column; a row's first bad column is the one reported.
    bad = np.zeros((len(raw), len(SAMPLE_COLUMNS)), dtype=bool)
    parsed = {}
    for j, name in enumerate(SAMPLE_COLUMNS):
        cells = raw[name]
        if name in INT_COLUMNS or name in FLOAT_COLUMNS or name in RATED_MOVIES:
            # to_numeric allows surrounding spaces and reads "" and " " as NaN.
            values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
            invalid = ~np.isfinite(values)
            if name in RATED_MOVIES:
                invalid &= (cells.str.strip() != "").to_numpy()
            if name not in FLOAT_COLUMNS:
                whole = np.where(np.isfinite(values), values, 0.0)
                invalid |= whole != np.floor(whole)
            if name == "label":
                invalid |= ~np.isin(values, (0.0, 1.0))
            if name not in FLOAT_COLUMNS:
                values, past = _exact_integers(cells, values, invalid)
                invalid |= past
            bad[:, j] = invalid
            parsed[name] = values
        else:
            parsed[name] = cells.str.strip().to_numpy(dtype=object)
    rows = np.flatnonzero(bad.any(axis=1))
    first_bad = bad[rows].argmax(axis=1)
    for row, j in zip(rows, first_bad):
        name = SAMPLE_COLUMNS[j]
        bad_rows.append((int(lines.index[row]), name, str(raw[name].iloc[row])))
    bad_rows.sort(key=lambda entry: entry[0])

    if bad_rows and on_bad_rows == "error":
        line, name, value = bad_rows[0]
        where = f"{shown_path}, line {line}" + (f", column {name!r}" if name else "")
        raise ValueError(
            f"{where}: {_describe(name, value)} ({len(bad_rows)} bad row(s) in all; "
            "read_samples(..., on_bad_rows='skip') leaves them out)"
        )
    good = ~bad.any(axis=1)
    columns = {}
    for name in SAMPLE_COLUMNS:
        values = parsed[name][good]
        if name in RATED_MOVIES:
            text_ids = np.full(len(values), "", dtype=object)
            present = np.asarray([value is not None for value in values], bool)
            text_ids[present] = [str(value) for value in values[present]]
            values = text_ids
        columns[name] = values
    for name in header:
        if name not in columns:
            columns[name] = raw[name].to_numpy(dtype=object)[good]
    samples = with_dtypes(pd.DataFrame(columns))
    for name in samples.columns[len(SAMPLE_COLUMNS) :]:
        samples[name] = samples[name].astype(str)
    samples.attrs["bad_rows"] = bad_rows
    if on_bad_rows == "skip":
        _log_summary(shown_path, len(samples), bad_rows)
    return samples


def _log_summary(shown_path, rows_read, bad_rows):
    """One line: rows read and bad rows skipped, the first five of them with their reason."""
    details = "; ".join(
        f"line {line}: " + (f"column {name}: " if name else "") + _describe(name, value)
        for line, name, value in bad_rows[:5]
    )
    if len(bad_rows) > 5:
        details += f"; and {len(bad_rows) - 5} more"
    logger.log(
        logging.WARNING if bad_rows else logging.INFO,
        "read_samples: %s: %d rows read, %d bad rows skipped%s",
        shown_path,
        rows_read,
        len(bad_rows),
        f" ({details})" if details else "",
    )


def _exact_integers(cells, values, invalid):
    """The integer columns' values exactly, as Python ints (None where absent or invalid),
    and which cells hold an integer past int64's range.

    `values` (float64) holds integers exactly below 2**53 only; past it, the cell's text is
    read again, exactly, so a 19-digit id stays itself and one past int64 is a bad row, not
    a wrapped or rounded number.
    """
    exact = np.full(len(values), None, dtype=object)
    past = np.zeros(len(values), bool)
    ok = ~invalid & np.isfinite(values)
    small = ok & (np.abs(values) < 2.0**53)
    exact[small] = values[small].astype(np.int64).tolist()
    for i in np.flatnonzero(ok & ~small):
        number = int(decimal.Decimal(cells.iloc[i].strip()))
        if _INT64_MIN <= number <= _INT64_MAX:
            exact[i] = number
        else:
            past[i] = True
    return exact, past


def _describe(name, value):
    if name is None:
        return value
    if value.strip() == "":
        return "missing value"
    if name not in FLOAT_COLUMNS and _is_integer_text(value):
        return f"{value.strip()!r}, an integer past int64's range"
    return repr(value)


def _is_integer_text(value):
    try:
        number = decimal.Decimal(value.strip())
    except decimal.InvalidOperation:
        return False
    return number.is_finite() and number == number.to_integral_value()


def _parse_lines(lines, header, shown_path):
    """Parses CSV lines (all with the same number of fields) into a frame of strings."""
    if lines.empty:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in header})
    try:
        frame = pd.read_csv(
            io.StringIO("\n".join(lines)),
            header=None,
            names=header,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        raise ValueError(f"{shown_path} could not be parsed as CSV: {error}") from None
    if len(frame) != len(lines):
        raise ValueError(
            f"{shown_path}: {len(lines)} lines gave {len(frame)} records; a field must not "
            "span several lines"
        )
    return frame
