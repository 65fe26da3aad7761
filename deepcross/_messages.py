"""English for error messages, shared by the whole package: one way to show a value or a count."""


def show(value):
    """A cell as an error message shows it: text quoted, anything else with its type, short."""
    text = repr(value) if isinstance(value, str) else " ".join(repr(value).split())
    text = text if len(text) <= 60 else text[:57] + "..."
    return text if isinstance(value, str) else f"{text} ({describe(value)})"


def describe(value):
    """`value`'s type with its article: "a list", "an int", "an ndarray"."""
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' or name.startswith('nd') else 'a'} {name}"


def rows_text(count):
    """ "1 row", "2 rows"."""
    return f"{count} row" if count == 1 else f"{count} rows"


def names_text(names):
    """Names quoted and joined: "'a', 'b'"."""
    return ", ".join(f"'{name}'" for name in names)
