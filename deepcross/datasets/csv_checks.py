"""Checks on a CSV file as a whole, shared by `load_movielens` and `read_samples`.

A CSV writer ends every line, the last one included, with a newline. A file whose last line
has none was most likely cut off while it was written or copied, and a field cut in two still
parses (`Thriller` as `Thril`, a timestamp 1493846415 as 149384), so the readers treat that
line as a truncated row instead of reading it.
"""


def cut_off_line(text):
    """The 1-based number of the last line of `text` when it lacks its newline, else None.

    A last line that is blank (empty or only spaces) is no row, so it is not cut off.
    """
    last = text.rsplit("\n", 1)[-1]
    if last.strip() == "":
        return None
    return text.count("\n") + 1
