"""Random raw cells of every odd kind a request carries, for numpy-vs-TensorFlow checks."""

import struct

import numpy as np

SPACES = ["", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1f"]
WORDS = ["Action", "Comedy", "Drama", "drama", "Sci-Fi", "Film-Noir", "日本語", "ünï", "🙂", "a b"]
ODD = ["", " ", "\t\n", "nan", "NaN", "None", "<NA>", "inf", "-Infinity", "1_000", "0x10", "١٢"]
ODD += [".", "-", "+", "1e", "1.2.3", "e5", "--1", "1 2", "abc", "349", " 349 ", "349.0", "3.50"]
ODD += ["007", "-0", "+0", "-0.0", "0.0001", "1e-05", "1e16", "1.5e16", "1e23", "1e400", "1e-400"]
ODD += ["12345678901234567891.0", "9" * 30, "-" + "9" * 30 + ".000", "1e99999999999", "0e99999"]


def number_text(rng):
    """A number spelled as a person or a CSV writer might: signs, points, exponents, spaces."""
    digits = "0123456789"
    whole = "".join(rng.choice(list(digits), rng.choice([0, 1, 1, 2, 3, 5, 17, 20, 25])))
    fraction = "".join(rng.choice(list(digits), rng.choice([0, 0, 1, 2, 3, 16, 18])))
    point = rng.random() < 0.6
    text = rng.choice(["", "+", "-"]) + whole + ("." + fraction if point else "")
    if not (whole or (point and fraction)):
        text += "0"
    if rng.random() < 0.3:
        exponent = rng.choice([0, 1, 5, 15, 16, 17, 22, 30, 300, 400, 4300, 5000])
        text += rng.choice(["e", "E"]) + rng.choice(["", "+", "-"]) + str(exponent)
    return rng.choice(SPACES) + text + rng.choice(SPACES)


def random_floats(rng, n):
    """Floats of every magnitude (bit patterns, NaN and infinities too), none subnormal."""
    bits = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    bits += rng.integers(0, 2, n).astype(np.uint64)
    floats = bits.view(np.float64)
    floats = np.where(np.abs(floats) < 2.3e-308, 0.5, floats)  # see tf_values: subnormals
    mixed = np.concatenate([floats, rng.uniform(-1e4, 1e4, n), rng.integers(-999, 999, n) / 8])
    return np.concatenate([mixed, [0.0, -0.0, 0.1, 3.5, 1e16, 2.0**63, 1e300, np.nan, np.inf]])


def texts(rng, n, words=WORDS):
    """`n` cells: numbers in many spellings, words, odd texts, floats' own spellings."""
    pool = [number_text(rng) for _ in range(n)]
    pool += [repr(float(x)) for x in random_floats(rng, n // 8)]
    pool += [str(round(float(x), 3)) for x in rng.uniform(-1e4, 1e4, n // 8)]
    pool += [rng.choice(SPACES) + w for w in rng.choice(words + ODD, n // 2)]
    return np.array(pool + ODD, dtype=object)


def float_bits(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0]
