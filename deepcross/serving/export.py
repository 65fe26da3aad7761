"""export_saved_model: a TensorFlow SavedModel that scores raw values, for TF Serving."""

import re

import keras

# The dtypes a request column may be declared with.
DTYPES = ("string", "int64", "int32", "float32", "float64", "bool")
# A name TensorFlow keeps as a signature input's name (it renames "a.b" to "a_b", "9x" to
# "arg_9x", refuses spaces), and it compares names case-insensitively.
_INPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def serving_signature(spec, dtypes=None):
    """The raw columns a spec reads, each with the dtype a serving request gives it.

    Columns come in the order the features first read them. A column's dtype is the
    `serving_dtype` of the first feature that reads it (`"string"` for categorical and
    crossed columns, `"int64"` for `IntegerIdentity`, `"float32"` for `Numeric` and
    `Bucketized`), unless `dtypes` says otherwise.

    Args:
        spec: `FeatureSpec`.
        dtypes: dict of column name to a dtype name in `DTYPES`, or None. Defaults to None.

    Returns:
        A dict of column name to dtype name.

    Raises:
        ValueError: for a column the spec does not read, a dtype not in `DTYPES`, or column
            names TensorFlow cannot keep as input names (`[A-Za-z][A-Za-z0-9_]*`, unique
            regardless of case).
    """
    columns = {}
    for feature in spec.features:
        for column in feature.source_columns:
            columns.setdefault(column, feature.serving_dtype)
    dtypes = dict(dtypes or {})
    unknown = sorted(set(dtypes) - set(columns))
    if unknown:
        raise ValueError(
            f"dtypes names columns the spec does not read: {unknown}; it reads {list(columns)}"
        )
    for column, dtype in dtypes.items():
        if dtype not in DTYPES:
            raise ValueError(f"dtypes[{column!r}] must be one of {DTYPES}, received {dtype!r}")
    seen = {}
    for column in columns:
        if not _INPUT_NAME.fullmatch(column):
            raise ValueError(
                f"Column {column!r} cannot name a SavedModel input, which TensorFlow keeps only "
                "for ASCII letters, digits and `_`, starting with a letter: rename the column"
            )
        if seen.setdefault(column.lower(), column) != column:
            raise ValueError(
                f"Columns {seen[column.lower()]!r} and {column!r} differ only in case, which "
                "SavedModel input names do not tell apart: rename one"
            )
    return {column: dtypes.get(column, dtype) for column, dtype in columns.items()}


def export_saved_model(model, filepath, spec=None, dtypes=None, verbose=None, **kwargs):
    """Writes a TensorFlow SavedModel that scores raw values: what `model.export` does.

    The SavedModel's `serving_default` signature takes one `[batch]` input per raw column
    the model's spec reads, named like the column and typed as `serving_signature` says,
    and returns `{"score": (batch, units) float32}`. Inside, each feature's `encode_tf` (the
    TensorFlow twin of `FeatureSpec.transform`, vocabularies held in `tf.lookup` tables) feeds
    the Keras model, so a served score equals `model.predict_raw` on the same rows. A second
    signature, `score_inputs`, takes the model's inputs as `spec.transform` makes them.

    On the TensorFlow backend the model runs as it is; on JAX, Keras converts it with
    `jax2tf` (`keras.export.ExportArchive`). A model trained on PyTorch is exported from
    TensorFlow: save it, load it with `KERAS_BACKEND=tensorflow`, export.

    Args:
        model: a deepcross model, or any Keras model whose inputs are those
            `spec.make_inputs()` makes.
        filepath: str or path. The SavedModel directory to write.
        spec: `FeatureSpec` or None. The model's features. Defaults to None, `model.spec`.
        dtypes: dict of column name to dtype name, or None. Overrides a column's dtype in
            requests, e.g. `{"movieId": "int64"}` where a categorical column holds numbers.
            Defaults to None.
        verbose: bool or None. True prints Keras's listing of every signature written;
            None prints one line (where, and the columns `serving_default` takes); False
            prints nothing. Defaults to None.
        **kwargs: for the JAX backend, `is_static` and `jax2tf_kwargs` of
            `keras.export.ExportArchive.add_endpoint`.

    Returns:
        None.
    """
    from deepcross.serving import native_stderr

    with native_stderr.quiet():  # TensorFlow's and XLA's start-up and CUDA lines
        columns = _export(model, filepath, spec, dtypes, bool(verbose), **kwargs)
    if verbose is None:
        shown = ", ".join(f"{name} ({dtype})" for name, dtype in columns.items())
        print(f"Saved a SavedModel to {filepath}: serving_default takes {shown}; returns score")


def _export(model, filepath, spec, dtypes, verbose, **kwargs):
    """`export_saved_model`'s work; returns the columns of the `serving_default` signature."""
    try:
        import tensorflow as tf
    except ImportError:
        raise ImportError(
            "Exporting a SavedModel needs TensorFlow: pip install tensorflow (training can "
            "stay on another backend)"
        ) from None
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        raise ValueError(
            f"A SavedModel is written from the TensorFlow or JAX backend, and this model runs "
            f"on {backend}. Save it (model.save('model.keras')), then in a process started "
            "with KERAS_BACKEND=tensorflow: import deepcross, then "
            "keras.saving.load_model('model.keras', compile=False).export(path)"
        )
    if spec is None:
        spec = getattr(model, "spec", None)
    if spec is None:
        raise ValueError(
            f"{type(model).__name__} has no spec: pass the FeatureSpec its inputs come from, "
            "export_saved_model(model, path, spec=spec)"
        )
    columns = serving_signature(spec, dtypes)
    prepared = {
        f.name: f.prepare_tf(spec.learned.get(f.state_key) if f.state_key else None)
        for f in spec.features
    }
    archive = keras.export.ExportArchive()
    model_inputs = {
        key: tf.TensorSpec((None, width), key, name=key)
        for key, width in spec.layout.widths.items()
    }
    score_inputs = archive.track_and_add_endpoint("score_inputs", model, [model_inputs], **kwargs)
    resources = (tf.saved_model.experimental.TrackableResource, tf.Module, tf.Variable)
    for resource in tf.nest.flatten(prepared):
        if isinstance(resource, resources):
            archive.track(resource)  # lookup tables: saved with the model

    @tf.function(
        autograph=False,
        input_signature=[
            {name: tf.TensorSpec([None], dtype, name=name) for name, dtype in columns.items()}
        ],
    )
    def serve(request):
        inputs = {f.name: f.encode_tf(request, prepared[f.name]) for f in spec.features}
        return {"score": score_inputs(_packed(spec.layout, inputs))}

    serve.get_concrete_function()
    archive.add_endpoint("serving_default", serve)
    archive.write_out(str(filepath), verbose=verbose)
    return columns


def _packed(layout, inputs):
    """`InputLayout.pack` in TensorFlow ops: per-feature tensors as one matrix per dtype."""
    import tensorflow as tf

    parts = {key: [] for key in layout.keys}
    for name, (key, start, stop, _) in layout.slots.items():
        parts[key].append(tf.reshape(tf.cast(inputs[name], key), [-1, stop - start]))
    return {key: tf.concat(tensors, axis=1) for key, tensors in parts.items()}
