"""A number's key: the exact decimal text both encoders give it, in numpy and in TensorFlow.

Integers become their exact decimal text at any length ("+007" and 7 -> "7", `2**70` every
digit); integral finite floats the integer text of their exact value (`349.0` -> "349", `1e20`
-> "100000000000000000000"); other finite floats `repr(float(x))` ("3.5"); NaN and infinities
have no key (missing). Each rule below is written for numpy, then (`*_tf`) for an exported
model, which must give the same text bit for bit (`tf.strings` has no `repr`: `_repr_tf`
finds the shortest text that reads back, as Python does).
"""

import decimal
import math

import numpy as np

from deepcross.features.cell_text import MAX_DIGITS

# --- numpy --------------------------------------------------------------------------------


def digits_key(text):
    """An integer literal ("+007", "-0") as exact decimal text, at any length."""
    digits = text.lstrip("+-").lstrip("0") or "0"
    return "-" + digits if text.startswith("-") and digits != "0" else digits


def number_key(text):
    """A number with a point or an exponent: its exact integer text when it is integral."""
    value = float(text)
    if abs(value) < 2.0**53:  # float(text) is integral exactly when the text is
        return float_key(value)
    exact = decimal.Decimal(text)
    if exact.adjusted() < MAX_DIGITS and exact == exact.to_integral_value():
        return int_text(int(exact))  # "12345678901234567890.0", "1e400"
    return float_key(value)


def int_text(value):
    """An int as exact decimal text, also past Python's int-to-text digit limit."""
    try:
        return str(value)
    except ValueError:  # past Python's int-to-text digit limit; Decimal prints it exactly
        return str(decimal.Decimal(value))


def float_key(value):
    """The key of one float, None when it is NaN or infinite."""
    if not math.isfinite(value):
        return None
    return int_text(int(value)) if value.is_integer() else repr(value)


def int_texts(ints):
    """Exact decimal text of an integer array (uint64 included), as an object array."""
    return np.fromiter(map(str, ints.tolist()), dtype=object, count=len(ints))


def float_keys(floats):
    """`float_key` of a float64 array: `(keys, missing)`, "" and True where not finite."""
    finite = np.isfinite(floats)
    integral = finite & (np.floor(floats) == floats)
    small = integral & (np.abs(floats) < 2.0**63)
    if small.all():
        return int_texts(floats.astype(np.int64)), np.zeros(len(floats), bool)
    keys = np.full(len(floats), "", object)
    keys[small] = int_texts(floats[small].astype(np.int64))
    fraction = finite & ~integral
    keys[fraction] = list(map(repr, floats[fraction].tolist()))
    big = integral & ~small
    keys[big] = [int_text(int(value)) for value in floats[big].tolist()]
    return keys, ~finite


# --- TensorFlow, for model.export ----------------------------------------------------------


def float_keys_tf(x):
    """Keys of float64 values: integral ones as exact integer text, others as `repr`.

    Returns:
        A tuple `(keys, missing)`; NaN and infinities are missing.
    """
    import tensorflow as tf

    finite = tf.math.is_finite(x)
    x = tf.where(finite & tf.not_equal(x, 0.0), x, tf.zeros_like(x))  # no -0.0, nan, inf
    integral = tf.equal(tf.floor(x), x)
    whole = tf.strings.as_string(x, precision=0)  # "%.0f": every digit of the float, exact
    keys = tf.where(integral, whole, _repr_tf(tf.where(integral, tf.constant(0.5, tf.float64), x)))
    return tf.where(finite, keys, ""), ~finite


def integer_keys_tf(core):
    """Integer literals ("+007", "-0") as exact decimal text, at any length."""
    import tensorflow as tf

    digits = tf.strings.regex_replace(core, "^[+-]?0*", "")
    digits = tf.where(tf.equal(digits, ""), "0", digits)
    negative = tf.strings.regex_full_match(core, "-.*") & tf.not_equal(digits, "0")
    return tf.where(negative, tf.strings.join(["-", digits]), digits)


def number_keys_tf(core):
    """Keys of numbers with a point or an exponent, as `number_key`."""
    import tensorflow as tf

    value = tf.strings.to_number(core, tf.float64)
    keys, missing = float_keys_tf(value)
    exact, integral = _exact_integer_text_tf(core)
    use_exact = integral & ~(tf.abs(value) < 2.0**53)  # past 2**53, the text's own digits
    return tf.where(use_exact, exact, keys), missing & ~use_exact


def _exact_integer_text_tf(core):
    """The exact integer a number's text spells ("1e20", "12345678901234567890.0"), and
    whether it spells one (with fewer than `MAX_DIGITS` digits)."""
    import tensorflow as tf

    body = tf.strings.regex_replace(core, "^[+-]", "")
    mantissa = tf.strings.regex_replace(body, "[eE].*$", "")
    exponent = tf.strings.regex_replace(body, "^[^eE]*[eE]?", "")
    whole = tf.strings.regex_replace(mantissa, "[.].*$", "")
    digits = tf.strings.join([whole, tf.strings.regex_replace(mantissa, "^[^.]*[.]?", "")])
    exponent_digits = tf.strings.regex_replace(exponent, "^[+-]?0*", "")
    huge = tf.strings.length(exponent_digits) > 9  # beyond any text's length: clamp
    shift = tf.strings.to_number(
        tf.where(huge | tf.equal(exponent_digits, ""), "0", exponent_digits), tf.int64
    )
    shift = tf.where(huge, tf.constant(10**9, tf.int64), shift)
    shift = tf.where(tf.strings.regex_full_match(exponent, "-.*"), -shift, shift)
    significant = tf.strings.regex_replace(digits, "^0*", "")
    # Digits before the point, counted from the first significant one.
    point = _length_tf(whole) + shift - (_length_tf(digits) - _length_tf(significant))
    significant = tf.strings.regex_replace(significant, "0*$", "")
    count = _length_tf(significant)
    integral = (count > 0) & (count <= point) & (point <= MAX_DIGITS)
    pad = tf.clip_by_value(point - count, 0, MAX_DIGITS)
    zeros = tf.strings.substr(tf.fill(tf.shape(core), "0" * MAX_DIGITS), tf.zeros_like(pad), pad)
    text = tf.strings.join([significant, zeros])
    text = tf.where(tf.strings.regex_full_match(core, "-.*"), tf.strings.join(["-", text]), text)
    return text, integral


def _length_tf(text):
    import tensorflow as tf

    return tf.cast(tf.strings.length(text), tf.int64)


def _repr_tf(x):
    """Python's `repr` of finite, non-integral float64 values (so |x| < 2**52).

    The shortest `%e` text that reads back as the same float, laid out as Python does:
    positional from 1e-4 on, else scientific ("1e-05").
    """
    import tensorflow as tf

    best = tf.strings.as_string(x, precision=16, scientific=True)  # 17 digits always read back
    for precision in range(15, -1, -1):
        text = tf.strings.as_string(x, precision=precision, scientific=True)
        best = tf.where(tf.equal(tf.strings.to_number(text, tf.float64), x), text, best)
    sign = tf.where(x < 0, "-", "")
    digits = tf.strings.regex_replace(best, "^-|[.]|e.*$", "")
    power = tf.strings.regex_replace(best, "^.*e", "")
    exponent = tf.strings.to_number(power, tf.int64)
    count = _length_tf(digits)
    first = tf.strings.substr(digits, tf.zeros_like(count), tf.ones_like(count))
    rest = tf.strings.substr(digits, tf.ones_like(count), count - 1)
    scientific = tf.strings.join([sign, first, tf.where(count > 1, ".", ""), rest, "e", power])
    # Positional: digits with the point after `exponent + 1` of them, or "0.000" before them.
    head = tf.clip_by_value(exponent + 1, 0, count)
    whole = tf.strings.substr(digits, tf.zeros_like(head), head)
    tail = tf.strings.substr(digits, head, count - head)
    lead = tf.clip_by_value(-exponent - 1, 0, 3)
    zeros = tf.strings.substr(tf.fill(tf.shape(x), "000"), tf.zeros_like(lead), lead)
    positional = tf.where(
        exponent >= 0,
        tf.strings.join([sign, whole, ".", tail]),
        tf.strings.join([sign, "0.", zeros, digits]),
    )
    return tf.where((exponent < -4) | (exponent >= 16), scientific, positional)
