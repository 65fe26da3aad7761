"""`deepcross predict`: scores a CSV or Parquet file with a saved model, chunk by chunk.

    deepcross predict --model model.keras --input rows.csv --output scores.csv \\
        [--id-column userId] [--chunk-size 10000] [--batch-size 1024] [--errors bad.csv]

The model is a `.keras` file saved by a deepcross model; the input holds the raw columns its
features read (the columns of the training data; others are ignored). The file is read
`--chunk-size` rows at a time, so memory stays bounded whatever its size: each chunk is
encoded by the model's `FeatureSpec` and scored `--batch-size` rows per call. The output is
a CSV with the `--id-column` (copied as it is), or without one the input's `line` number (a
Parquet file's `row`, from 1), then `score` (or `score_0`, `score_1`, ... for several
outputs), one line per scored row, in input order: a row left out leaves no gap to misread.

A CSV is read as text: an empty field is a missing value; every other field goes through the
features' value policy, as in training (`349`, `349.0` and `"349"` are one id). A row that
cannot be read (wrong number of fields, text that is not UTF-8, the file's last line without
its newline, which may be cut off) or encoded (a number column holding `"abc"`) is left out
of the output and reported with its line number (the header is line 1; Parquet rows are
numbered from 1): in the `--errors` CSV when given, else the first ones on stderr. No row is
dropped silently: the exit status is 1 when any row was left out, 0 when all were scored.
"""

import argparse
import contextlib
import csv
import itertools
import pathlib
import re
import sys
import time

import numpy as np

SHOWN_ERRORS = 20  # Without --errors, this many bad rows are listed on stderr.


class UsageError(Exception):
    """A problem with the command's arguments or files, reported in one line, status 2."""


def main(argv=None):
    """Runs `deepcross ARGS`; returns the exit status."""
    parser = argparse.ArgumentParser(prog="deepcross", description="Tools for deepcross models.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser(
        "predict",
        help="score a CSV or Parquet file with a saved model",
        description=__doc__.split("\n")[0],
    )
    predict.add_argument("--model", required=True, help="a .keras file saved by deepcross")
    predict.add_argument("--input", required=True, help="rows to score: .csv or .parquet")
    predict.add_argument("--output", required=True, help="the scores, as CSV")
    predict.add_argument(
        "--id-column",
        help="an input column copied into the output (default: the input's line number)",
    )
    predict.add_argument("--chunk-size", type=_positive, default=10_000, help="rows read at once")
    predict.add_argument("--batch-size", type=_positive, default=1024, help="rows per model call")
    predict.add_argument("--errors", help="write the rows left out, with why, to this CSV")
    predict.add_argument("--format", choices=["csv", "parquet"], help="default: from --input")
    predict.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    try:
        return run_predict(args)
    except UsageError as error:
        print(f"deepcross predict: error: {error}", file=sys.stderr)
        return 2


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, received {text!r}")
    return value


def run_predict(args):
    source, output = pathlib.Path(args.input), pathlib.Path(args.output)
    kind = args.format or {".parquet": "parquet", ".pq": "parquet"}.get(source.suffix, "csv")
    if not source.is_file():
        raise UsageError(f"--input {source} is not a file")
    if not pathlib.Path(args.model).is_file():
        raise UsageError(f"--model {args.model} is not a file")
    for path in (output, pathlib.Path(args.errors) if args.errors else None):
        if path is not None and path.resolve() == source.resolve():
            raise UsageError(f"{path} is the input file; write the results elsewhere")
    model = _load_model(args.model)
    needed = list(dict.fromkeys(c for f in model.spec.features for c in f.source_columns))
    names = needed + [args.id_column] if args.id_column not in (None, *needed) else needed
    read = _parquet_chunks if kind == "parquet" else _csv_chunks
    chunks = read(source, names, args.chunk_size)
    # The first chunk checks the file's header: a bad input leaves no output file behind.
    first = next(chunks, None)
    chunks = itertools.chain([first] if first is not None else [], chunks)
    where = "row" if kind == "parquet" else "line"

    width = model.outputs[0].shape[-1]
    labels = ["score"] if width == 1 else [f"score_{i}" for i in range(width)]

    start, scored, bad, shown = time.perf_counter(), 0, 0, []
    with _writing(output) as out_file, _writing(args.errors) as errors_file:
        writer = csv.writer(out_file)
        writer.writerow([args.id_column or where] + labels)
        errors = csv.writer(errors_file) if errors_file else None
        if errors:
            errors.writerow([where, "error"])
        for columns, lines, unread in chunks:
            x, kept, unencoded = _encode(model.spec, columns, lines)
            if len(kept):
                ids = columns[args.id_column][kept] if args.id_column else np.asarray(lines)[kept]
                writer.writerows(_output_rows(ids, _score(model, x, args.batch_size)))
            problems = sorted(unread + unencoded)
            for line, reason in problems:
                if errors:
                    errors.writerow([line, reason])
                elif len(shown) < SHOWN_ERRORS:
                    shown.append(f"  {where} {line}: {reason}")
            scored, bad = scored + len(kept), bad + len(problems)
            if not args.quiet:
                rate = scored / max(time.perf_counter() - start, 1e-9)
                print(
                    f"deepcross predict: {scored:,} rows scored, {bad:,} left out "
                    f"({rate:,.0f} rows/s)",
                    file=sys.stderr,
                    flush=True,
                )
    seconds = time.perf_counter() - start
    print(
        f"deepcross predict: wrote {scored:,} scores to {output} in {seconds:.1f} s",
        file=sys.stderr,
    )
    if bad:
        print(
            f"deepcross predict: {bad:,} rows could not be scored and are not in the output"
            + (f"; see {args.errors}" if args.errors else ":"),
            file=sys.stderr,
        )
        if shown:
            print("\n".join(shown), file=sys.stderr)
            if bad > len(shown):
                print(f"  ... and {bad - len(shown):,} more: pass --errors PATH", file=sys.stderr)
    return 1 if bad else 0


def _load_model(path):
    from deepcross.serving import native_stderr

    # Loading imports TensorFlow where installed, whatever the backend: its start-up lines
    # about oneDNN and CUDA say nothing about the scores.
    with native_stderr.quiet():
        import keras

        import deepcross.models  # noqa: F401  Registers every class a model's file names.

        try:
            model = keras.saving.load_model(path, compile=False)  # Scoring needs no optimizer.
        except (OSError, ValueError, TypeError) as error:
            raise UsageError(f"could not load --model {path}: {error}") from None
    if not hasattr(model, "spec") or not hasattr(model.spec, "transform"):
        raise UsageError(f"--model {path} is a {type(model).__name__}, not a deepcross model")
    return model


@contextlib.contextmanager
def _writing(path):
    """A text file to write, or None when `path` is None."""
    if path is None:
        yield None
        return
    try:
        file = open(path, "w", newline="", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    with file:
        yield file


# --- Reading -------------------------------------------------------------------------------


def _check_header(header, names, what):
    missing = [name for name in names if name not in header]
    if missing:
        raise UsageError(
            f"{what} lacks the column(s) {', '.join(map(repr, missing))} that the model "
            f"reads; it has {', '.join(map(repr, header[:30]))}"
        )
    twice = [name for name in names if header.count(name) > 1]
    if twice:
        raise UsageError(f"{what} has the column {twice[0]!r} more than once")


def _csv_chunks(path, names, chunk_size):
    """Yields `(columns, lines, bad)` per chunk: object arrays of text by column name, each
    row's line number, and `(line, reason)` for each row that could not be read."""
    from deepcross.data.csv_reader import last_line_cut_off

    cut_off = last_line_cut_off(path)
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header is None:
            raise UsageError(f"--input {path} is empty: it has no header line")
        _check_header(header, names, f"--input {path}")
        positions = [header.index(name) for name in names]
        rows, lines, bad = [], [], []
        end, last, last_end = reader.line_num, None, None  # lines where records start, end
        while True:
            if len(bad) >= chunk_size:  # A long run of bad rows: report them, memory bounded.
                yield _columns(names, []), [], bad
                bad = []
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                bad.append((end + 1, f"unreadable CSV: {error}"))
                end = reader.line_num
                continue
            line, end = end + 1, reader.line_num
            if not record or (len(header) > 1 and len(record) == 1 and not record[0].strip()):
                continue  # A blank line is no row.
            last, last_end = line, end
            problem = _unreadable(record, len(header))
            if problem:
                bad.append((line, problem))
                continue
            rows.append([record[p] for p in positions])
            lines.append(line)
            if len(rows) > chunk_size:  # One row held back: it may be the cut-off last one.
                yield _columns(names, rows[:chunk_size]), lines[:chunk_size], bad
                rows, lines, bad = rows[chunk_size:], lines[chunk_size:], []
        if cut_off and last_end == reader.line_num and lines and lines[-1] == last:
            rows.pop()
            bad.append(
                (
                    lines.pop(),
                    "the file's last line has no newline: it may be cut off (end the "
                    "file with a newline if the row is complete)",
                )
            )
        if rows or bad:
            yield _columns(names, rows), lines, bad


def _unreadable(record, width):
    """Why a CSV record is no row of the table, or None."""
    if len(record) != width:
        return f"{len(record)} fields where the header has {width}"
    try:
        "".join(record).encode("utf-8")  # Undecodable bytes were read as lone surrogates.
    except UnicodeEncodeError:
        return "text that is not valid UTF-8"
    return None


def _columns(names, rows):
    cells = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        cells[:] = rows
    return {name: cells[:, i] for i, name in enumerate(names)}


def _parquet_chunks(path, names, chunk_size):
    import pyarrow.parquet as parquet

    from deepcross.features import raw_data

    file = parquet.ParquetFile(path)
    _check_header(file.schema_arrow.names, names, f"--input {path}")
    first = 1
    for batch in file.iter_batches(batch_size=chunk_size, columns=names):
        columns, num_rows = raw_data.as_columns(batch.to_pandas())
        yield {name: columns[name] for name in names}, list(range(first, first + num_rows)), []
        first += num_rows


# --- Encoding and scoring ------------------------------------------------------------------


def _encode(spec, columns, lines):
    """The model inputs of the rows that encode, their positions, and `(line, reason)` for
    each row that does not (found by halving the chunk until the bad rows stand alone)."""
    everything = np.arange(len(lines))
    try:
        return spec.transform(columns), everything, []
    except ValueError as error:
        bad = _bad_rows(spec, columns, everything, error)
    kept = np.setdiff1d(everything, [i for i, _ in bad])
    x = spec.transform(_take(columns, kept)) if len(kept) else None
    return x, kept, [(lines[i], _for_one_row(reason)) for i, reason in bad]


def _bad_rows(spec, columns, rows, error=None):
    """`(position, message)` of the rows in `rows` that do not encode; `error` is the one
    that encoding them all raised, when known."""
    if error is None:
        try:
            spec.transform(_take(columns, rows))
            return []
        except ValueError as raised:
            error = raised
    if len(rows) == 1:
        return [(int(rows[0]), str(error))]
    half = len(rows) // 2
    return _bad_rows(spec, columns, rows[:half]) + _bad_rows(spec, columns, rows[half:])


def _take(columns, rows):
    return {name: values[rows] for name, values in columns.items()}


def _for_one_row(reason):
    """A one-row transform's message, without its 'row 0' (the line number says where)."""
    return re.sub(r"\brow 0 holds\b", "holds", reason)


def _score(model, x, batch_size):
    """Scores in `batch_size` slices; the last is padded to that size, so that a backend
    that compiles per shape (JAX) compiles once."""
    num_rows = len(next(iter(x.values())))
    scores = []
    for start in range(0, num_rows, batch_size):
        part = {name: values[start : start + batch_size] for name, values in x.items()}
        size = len(next(iter(part.values())))
        if size < batch_size:
            part = {
                name: np.concatenate([values, np.repeat(values[:1], batch_size - size, axis=0)])
                for name, values in part.items()
            }
        scores.append(np.asarray(model.predict_on_batch(part))[:size])
    return np.concatenate(scores)


def _output_rows(ids, scores):
    """Output lines: each row's id (or line number), then its scores."""
    texts = [["%.9g" % score for score in row] for row in scores.tolist()]  # float32 exactly
    ids = ["" if value is None else str(value) for value in ids.tolist()]
    return [[identifier, *row] for identifier, row in zip(ids, texts)]


if __name__ == "__main__":
    sys.exit(main())
