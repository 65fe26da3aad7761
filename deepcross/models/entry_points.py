"""What a model's entry points check: constructor keywords, and the inputs of `fit`,
`evaluate` and `predict`."""

import contextlib
import inspect
import warnings

import numpy as np
import pandas as pd

from deepcross.data import FeatureDataset


def constructor_arguments(cls):
    """The keyword arguments a model class takes: its constructors' and `keras.Model`'s."""
    names = {"name", "trainable"}  # What a functional keras.Model uses of its **kwargs.
    for klass in cls.__mro__:
        # Keras's classes end the walk: keras.Model, or the Functional that Keras puts in
        # its place among a subclass's bases once one is built.
        if klass.__module__.startswith("keras."):
            break
        parameters = inspect.signature(klass.__init__).parameters.values()
        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        names |= {p.name for p in parameters if p.kind in named}
    return names - {"self"}


@contextlib.contextmanager
def epochs_are_passes(x, steps):
    """Quiets Keras's "Your input ran out of data" where a `FeatureDataset` pass ends a run
    of batches by design (Keras is not told a Grain dataset's length)."""
    with warnings.catch_warnings():
        if isinstance(x, FeatureDataset) and steps is None:
            warnings.filterwarnings("ignore", message="Your input ran out of data")
        yield


def check_inputs(spec, x, method):
    """Refuses what is not the model's inputs, the packed dict, and says what to pass."""
    if method != "predict" and isinstance(x, dict) and any(len(v) == 0 for v in x.values()):
        # Keras itself fails on them deep inside with an UnboundLocalError.
        raise ValueError(f"model.{method} received zero rows: there is nothing to {method}")
    if isinstance(x, (pd.DataFrame, pd.Series)):
        received = f"a pandas {type(x).__name__}"
    elif isinstance(x, dict) and any(holds_text(v) for v in x.values()):
        received = "a dict holding strings or objects"
    elif isinstance(x, dict) and not spec.layout.is_packed(x) and set(x) == set(spec.layout.slots):
        raise ValueError(
            f"model.{method} takes the model's inputs, one matrix per dtype "
            f"({list(spec.layout.keys)}), received one array per feature: pack them with "
            "model.spec.layout.pack(x), or use spec.transform(df), which packs"
        )
    else:
        return
    also = " or call model.predict_raw(df)" if method == "predict" else ""
    raise ValueError(
        f"model.{method} takes the model's inputs, the dict of arrays that spec.transform(df) "
        f"or model.preprocess(df) makes, received {received}: pass model.preprocess(df)"
        f"{also}"
    )


def holds_text(values):
    """True for a numpy array, pandas Series or list of strings or Python objects."""
    if not isinstance(values, (np.ndarray, pd.Series, list, tuple)):
        return False
    return np.asarray(values).dtype.kind in "OSU"
