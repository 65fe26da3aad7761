"""Argument checks shared by the whole package: one spelling of each, one message format.

Each check raises `ValueError("<owner>: <arg> must be ..., received <arg>=<value>")`, where the
owner prefix (e.g. `"Feature 'movieId'"`) is left out when the check is about a layer's own
constructor argument.
"""

import difflib
import numbers
import re
import warnings

import keras

# A name that every backend accepts as a Keras input, layer or variable name.
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _fail(owner, arg, value, what):
    prefix = f"{owner}: " if owner else ""
    raise ValueError(f"{prefix}{arg} must be {what}, received {arg}={value!r}")


def is_int(value):
    """True for Python and numpy integers, False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, arg, owner=None):
    """Returns `value` as an int, or raises when it is not a positive integer (bools refused)."""
    if not is_int(value) or value <= 0:
        _fail(owner, arg, value, "a positive integer")
    return int(value)


def positive_ints(value, arg, owner=None):
    """An int or a non-empty sequence of positive ints, as a tuple of ints."""
    items = (value,) if is_int(value) else value
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        _fail(owner, arg, value, "a positive integer or a non-empty sequence of them")
    items = tuple(items)
    if not items or not all(is_int(v) and v > 0 for v in items):
        _fail(owner, arg, value, "a positive integer or a non-empty sequence of them")
    return tuple(int(v) for v in items)


def fraction(value, arg, owner=None):
    """A float in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        _fail(owner, arg, value, "a float in [0, 1)")
    return float(value)


def positive_number(value, arg, owner=None, zero=False):
    """A positive finite float, or with `zero` a non-negative one (bools refused)."""
    low_ok = isinstance(value, numbers.Real) and (0 <= value if zero else 0 < value)
    if isinstance(value, bool) or not low_ok or not value < float("inf"):
        _fail(owner, arg, value, "a non-negative number" if zero else "a positive number")
    return float(value)


def boolean(value, arg, owner=None):
    if not isinstance(value, bool):
        _fail(owner, arg, value, "a bool")
    return value


def one_of(value, choices, arg, owner=None):
    if value not in choices:
        _fail(owner, arg, value, f"one of {choices}")
    return value


def name(value, arg="name", owner=None):
    """A feature or table name that every backend accepts (ASCII letters, digits, `_`)."""
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        _fail(
            owner,
            arg,
            value,
            "a string of ASCII letters, digits and '_' that starts with a letter (it names "
            "model inputs and layers on every backend; a column with another name can be "
            "read with columns=[...])",
        )
    return value


def keras_object(module, identifier, arg, owner=None):
    """`module.get(identifier)` (an activation, initializer, regularizer), or an error naming
    `arg` and the value."""
    try:
        return module.get(identifier)
    except (ValueError, TypeError) as error:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(
            f"{prefix}{arg} must be a name, config or object that {module.__name__}.get "
            f"accepts, received {arg}={identifier!r}"
        ) from error


def clone(obj):
    """A fresh copy of an initializer or regularizer, for one sublayer (keras-hub's idea).

    An unseeded initializer object draws its seed once, when it is made, and returns the
    same values on every call: handed to two layers of one shape it gives them equal
    weights. A copy made from its config draws a seed of its own (from the global seed, so
    `keras.utils.set_random_seed` still makes a run reproducible); an initializer seeded
    with an int keeps that seed. Anything else (None, a plain function) is returned as is.
    """
    if isinstance(obj, (keras.initializers.Initializer, keras.regularizers.Regularizer)):
        return type(obj).from_config(obj.get_config())
    return obj


def feature_names(spec, names, arg, owner=None):
    """`names` as a tuple of feature names of `spec`: a non-empty sequence, each once."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        _fail(owner, arg, names, "a sequence of feature names")
    names = tuple(names)
    known = [f.name for f in spec.features]
    unknown = [n for n in names if n not in known]
    if unknown:
        _fail(owner, arg, names, f"names of the spec's features {known}; unknown: {unknown}")
    if not names or len(set(names)) < len(names):
        _fail(owner, arg, names, "a non-empty sequence of feature names, each once")
    return names


def renamed(value, old_value, arg, old_arg, owner=None, default=None):
    """`value` of argument `arg`, or the value given under its old name `old_arg`, with a
    `DeprecationWarning` naming the new one; both given is an error.

    For a dataclass whose old argument is an `InitVar` (None when not given): `default` is
    `arg`'s own default, so that giving only the old name is not taken for giving both.
    """
    if old_value is None:
        return value
    prefix = f"{owner}: " if owner else ""
    if value != default:
        raise ValueError(
            f"{prefix}{old_arg} is the old name of {arg}; give {arg} only, received "
            f"{arg}={value!r} and {old_arg}={old_value!r}"
        )
    warnings.warn(
        f"{prefix}{old_arg} is now called {arg} (Keras' word); {old_arg}= still works in "
        "deepcross 0.3 and will be removed",
        DeprecationWarning,
        stacklevel=4,
    )
    return old_value


def keywords(given, known, owner, renamed=None):
    """Raises `TypeError` on the first keyword of `given` that is not in `known`, naming it
    with the new name when `renamed` (old name to new) has it, else the closest known one.

    For constructors whose `**kwargs` go on to a Keras class that would ignore them.
    """
    for key in given:
        if key in known:
            continue
        if renamed and key in renamed:
            hint = f"; {key}= was renamed {renamed[key]}="
        else:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]}=?" if close else ""
        raise TypeError(
            f"{owner} got an unexpected keyword argument {key!r}{hint} "
            f"(it takes {', '.join(sorted(known))})"
        )
