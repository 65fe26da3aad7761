"""How a cell's text spells a number: the grammar both encoders read, numpy's and TensorFlow's.

A decimal number is an optional sign, ASCII digits with an optional fraction (or a fraction
alone), and an optional exponent, with whitespace (what Python's `\\s` matches) around it.
`cell_keys` and `cell_numbers` hold each rule twice, for numpy (Python's `re`) and for an
exported model (TensorFlow's RE2); both spell their patterns from the names here, so the two
sides cannot drift apart.
"""

import numpy as np

NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
INTEGER = r"[+-]?[0-9]+"
INFINITY = r"[+-]?(?i:inf|infinity)"
MISSING_WORD = r"(?i:[+-]?nan|none|<na>)"  # besides a blank: the texts of a missing number
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # what \s matches
NUMBER_CHARS = "0123456789.eE+- \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # with WHITESPACE: any number

# Python's own limit on int <-> text; past it, "1e5000" is keyed as a float.
MAX_DIGITS = 4300
# The largest magnitude a float32 model holds; beyond it a number is non-finite.
FLOAT32_MAX = float(np.finfo(np.float32).max)
INT64_MAX = int(np.iinfo(np.int64).max)

# `WHITESPACE` as an RE2 character class, and the pattern that strips it from both ends.
SPACE_RE2 = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
STRIP_RE2 = f"^{SPACE_RE2}+|{SPACE_RE2}+$"
