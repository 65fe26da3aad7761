"""The value policy in TensorFlow ops, for models exported to serve raw values.

The twin of `values.py` for `model.export`: each feature kind's `encode_tf` reads a serving
request's columns through these functions, so an exported model turns a cell into the same
key or number that `FeatureSpec.transform` does (the rules are in `values.py`). A request's
column is a `[batch]` tensor of one dtype: `tf.string`, `tf.int32`/`tf.int64`,
`tf.float32`/`tf.float64` or `tf.bool`. On those, the keys and numbers here equal numpy's,
bit for bit, with three exceptions, all outside what a sane request holds:

- Text that is not UTF-8 is refused by numpy (an error naming the row) and keyed as its
  bytes here.
- TensorFlow's CPU kernels read subnormal numbers as 0: `1e-310` is key "0" here, "1e-310" in
  numpy, and a numeric value below 1.2e-38 in magnitude becomes 0.0 in float32, not a
  float32 subnormal.
- A value a numeric feature cannot read (`"abc"`) or a missing one where the feature has no
  `default` fails the request with an `InvalidArgumentError` naming the feature, where numpy
  raises a `ValueError` naming the row.

TensorFlow is imported inside each function: importing deepcross never imports it.
"""

from deepcross.features import values

# What Python's `\s` matches (the numpy side's regular expressions), as an RE2 class.
_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in values._WHITESPACE) + "]"
_STRIP = f"^{_SPACE}+|{_SPACE}+$"
_INTEGER = "[+-]?[0-9]+"
_INFINITY = "[+-]?(?i:inf|infinity)"
_MISSING_WORD = "(?i:[+-]?nan|none|<na>)?"
_ZEROS = "0" * values._MAX_DIGITS  # padding for exact integer texts
_FLOAT32_MAX = values._FLOAT32_MAX


def _tf():
    import tensorflow as tf  # Only exporting needs TensorFlow; see the module docstring.

    return tf


def _is_text(x):
    return x.dtype == _tf().string


def to_keys(x):
    """Canonical keys of a request column, as `values.to_keys` makes them.

    Args:
        x: a `[batch]` tensor of `tf.string`, an integer, a floating or `tf.bool` dtype.

    Returns:
        A tuple `(keys, missing)`: `tf.string` keys ("" where missing) and a bool tensor.
    """
    tf = _tf()
    if _is_text(x):
        return _text_keys(x)
    if x.dtype == tf.bool:
        return tf.where(x, "1", "0"), tf.zeros_like(x)
    if x.dtype.is_integer:
        return tf.strings.as_string(x), tf.zeros(tf.shape(x), tf.bool)
    if x.dtype.is_floating:
        return float_keys(tf.cast(x, tf.float64))
    raise ValueError(f"A categorical column cannot be {x.dtype.name} in a request")


def _text_keys(text):
    tf = _tf()
    core = tf.strings.regex_replace(text, _STRIP, "")
    integer = tf.strings.regex_full_match(core, _INTEGER)
    number = tf.strings.regex_full_match(core, values._NUMBER) & ~integer
    number_keys, number_missing = _number_keys(tf.where(number, core, "0"))
    keys = tf.where(integer, _integer_keys(core), tf.where(number, number_keys, text))
    missing = tf.equal(core, "") | (number & number_missing)
    return tf.where(missing, "", keys), missing


def _integer_keys(core):
    """Integer literals ("+007", "-0") as exact decimal text, at any length."""
    tf = _tf()
    digits = tf.strings.regex_replace(core, "^[+-]?0*", "")
    digits = tf.where(tf.equal(digits, ""), "0", digits)
    negative = tf.strings.regex_full_match(core, "-.*") & tf.not_equal(digits, "0")
    return tf.where(negative, tf.strings.join(["-", digits]), digits)


def _number_keys(core):
    """Keys of numbers with a point or an exponent, as `values._number_key`."""
    tf = _tf()
    value = tf.strings.to_number(core, tf.float64)
    keys, missing = float_keys(value)
    exact, integral = _exact_integer_text(core)
    use_exact = integral & ~(tf.abs(value) < 2.0**53)  # past 2**53, the text's own digits
    return tf.where(use_exact, exact, keys), missing & ~use_exact


def _exact_integer_text(core):
    """The exact integer a number's text spells ("1e20", "12345678901234567890.0"), and
    whether it spells one (with fewer than `values._MAX_DIGITS` digits)."""
    tf = _tf()
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
    point = _length(whole) + shift - (_length(digits) - _length(significant))
    significant = tf.strings.regex_replace(significant, "0*$", "")
    count = _length(significant)
    integral = (count > 0) & (count <= point) & (point <= values._MAX_DIGITS)
    pad = tf.clip_by_value(point - count, 0, len(_ZEROS))
    zeros = tf.strings.substr(tf.fill(tf.shape(core), _ZEROS), tf.zeros_like(pad), pad)
    text = tf.strings.join([significant, zeros])
    text = tf.where(tf.strings.regex_full_match(core, "-.*"), tf.strings.join(["-", text]), text)
    return text, integral


def _length(text):
    tf = _tf()
    return tf.cast(tf.strings.length(text), tf.int64)


def float_keys(x):
    """Keys of float64 values: integral ones as exact integer text, others as `repr`.

    Returns:
        A tuple `(keys, missing)`; NaN and infinities are missing.
    """
    tf = _tf()
    finite = tf.math.is_finite(x)
    x = tf.where(finite & tf.not_equal(x, 0.0), x, tf.zeros_like(x))  # no -0.0, nan, inf
    integral = tf.equal(tf.floor(x), x)
    whole = tf.strings.as_string(x, precision=0)  # "%.0f": every digit of the float, exact
    keys = tf.where(integral, whole, _repr(tf.where(integral, tf.constant(0.5, tf.float64), x)))
    return tf.where(finite, keys, ""), ~finite


def _repr(x):
    """Python's `repr` of finite, non-integral float64 values (so |x| < 2**52).

    The shortest `%e` text that reads back as the same float, laid out as Python does:
    positional from 1e-4 on, else scientific ("1e-05").
    """
    tf = _tf()
    best = tf.strings.as_string(x, precision=16, scientific=True)  # 17 digits always read back
    for precision in range(15, -1, -1):
        text = tf.strings.as_string(x, precision=precision, scientific=True)
        best = tf.where(tf.equal(tf.strings.to_number(text, tf.float64), x), text, best)
    sign = tf.where(x < 0, "-", "")
    digits = tf.strings.regex_replace(best, "^-|[.]|e.*$", "")
    power = tf.strings.regex_replace(best, "^.*e", "")
    exponent = tf.strings.to_number(power, tf.int64)
    count = _length(digits)
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


def to_float(x, feature):
    """Numbers of a request column as float64, as `values.to_float` reads them.

    Args:
        x: a `[batch]` tensor of a floating, an integer, `tf.bool` or `tf.string` dtype.
        feature: str. The feature's name, for the error a text that is not a number raises.

    Returns:
        A tuple `(numbers, missing, nonfinite)`: float64 values (NaN where missing or
        non-finite) and two bool tensors, as `values.to_float`.
    """
    tf = _tf()
    if _is_text(x):
        core = tf.strings.regex_replace(x, _STRIP, "")
        infinite = tf.strings.regex_full_match(core, _INFINITY)
        number = tf.strings.regex_full_match(core, values._NUMBER)
        missing = tf.strings.regex_full_match(core, _MISSING_WORD)
        tf.debugging.Assert(
            tf.reduce_all(number | infinite | missing),
            [f"Feature '{feature}' is numeric but a request holds text that is not a number:"]
            + [tf.boolean_mask(x, ~(number | infinite | missing))[:3]],
        )
        parsed = tf.strings.to_number(tf.where(number, core, "0"), tf.float64)
        negative = tf.strings.regex_full_match(core, "-.*")
        infinity = tf.constant(float("inf"), tf.float64)
        parsed = tf.where(infinite, tf.where(negative, -infinity, infinity), parsed)
        x = tf.where(missing, tf.constant(float("nan"), tf.float64), parsed)
    elif x.dtype == tf.bool or x.dtype.is_integer or x.dtype.is_floating:
        x = tf.cast(x, tf.float64)
    else:
        raise ValueError(f"Feature '{feature}' is numeric; a request cannot give it {x.dtype.name}")
    missing = tf.math.is_nan(x)
    nonfinite = ~missing & ~(tf.abs(x) <= _FLOAT32_MAX)
    return tf.where(nonfinite, tf.constant(float("nan"), tf.float64), x), missing, nonfinite


def hash_rows(keys, num_bins):
    """`categorical_feature.hash_rows` in TensorFlow: SipHash-2-4 of the keys, mod `num_bins`."""
    from deepcross.features.categorical_feature import HASH_KEY

    return _tf().strings.to_hash_bucket_strong(keys, num_bins, key=list(HASH_KEY))
