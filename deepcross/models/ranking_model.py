"""RankingModel: the functional graph shared by deepcross models."""

import keras
import numpy as np

from deepcross import _checks
from deepcross.data import FeatureDataset
from deepcross.features import FeatureSpec
from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.layers.scoring_head import ScoringHead
from deepcross.models import entry_points
from deepcross.training import table_training

ONE_BATCH = 1024  # `predict_raw` scores up to this many rows in one `predict_on_batch` call.
RENAMED = {"head": "task"}  # deepcross 0.1's names of constructor arguments.


@keras.saving.register_keras_serializable(package="deepcross")
class RankingModel(keras.Model):
    """Feature inputs → `EmbeddingStack` → tower → `ScoringHead`, as one functional model.

    The base of `EmbeddingMLP` and `DeepCrossing`, and the place to start for a model of
    your own: pass any sequence of layers as `tower`. The model keeps its own copy of the
    `FeatureSpec` (`model.spec`), made when the model is, so adapting the caller's spec
    again later changes neither the model nor what it saves. The config carries that copy,
    long vocabularies aside, which the `.keras` file keeps as assets of the `embedding_stack`
    layer; so the file holds the vocabularies and statistics and `predict_raw` works on raw
    values after loading.

    The model's inputs, in every Keras entry point (`fit`, `predict`, `model(x)`,
    `train_on_batch`, `stateless_call`), are the dict of arrays that `spec.transform(df)` (or
    `model.preprocess(df)`) makes: one matrix per dtype (see `FeatureSpec.layout`). Given raw
    values (a pandas DataFrame) or one array per feature (`transform(df, packed=False)`),
    `fit`, `evaluate` and `predict` say what to pass instead. `predict_raw(df)` does both
    steps.

    Subclasses follow keras-hub's functional-subclass pattern: build their layers in
    `__init__`, hand them to `RankingModel.__init__`, then set their own attributes and
    return them from `get_config`.

    Args:
        spec: `FeatureSpec`. The model's features, adapted.
        tower: sequence of `keras.layers.Layer`. Applied in order to the stacked vector;
            under mixed precision, make them with the model's `dtype`.
        task: str. Scoring task: `"binary"`, `"multiclass"` or `"regression"`. Defaults to
            `"binary"`.
        num_classes: int or None. Classes of a `"multiclass"` head. Defaults to None.
        from_logits: bool. Emit logits instead of probabilities. Defaults to False.
        dtype: str, `keras.DTypePolicy` or None. The dtype policy of the model and of every
            layer it makes, e.g. `"mixed_float16"` or `"mixed_bfloat16"`: computations in
            16 bits, variables and the scores in float32; `compile` scales the loss under
            `"mixed_float16"`. Defaults to None, the global `keras.config.dtype_policy()`.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    tower = [keras.layers.Dense(32, activation="relu")]
    model = dc.models.RankingModel(spec, tower, task="regression")
    model.compile()  # mean squared error, the head's default loss
    model.fit(spec.transform(train_df), train_df["rating"], epochs=3)
    ```
    """

    def __init__(
        self, spec, tower, task="binary", num_classes=None, from_logits=False, dtype=None, **kwargs
    ):
        if not isinstance(spec, FeatureSpec):
            raise ValueError(f"spec must be a deepcross FeatureSpec, received spec={spec!r}")
        # keras.Model would take any other keyword and ignore it (a typo, or 0.1's `head`).
        _checks.keywords(
            kwargs,
            entry_points.constructor_arguments(type(self)),
            f"{type(self).__name__}()",
            RENAMED,
        )
        policy = keras.dtype_policies.get(dtype)  # Keras names a bad value itself.
        inputs = spec.make_inputs()
        embedding_stack, x, logits = self.make_stages(inputs, spec, tower, policy)
        spec = embedding_stack.spec  # One copy, the stack's: its assets load into both.
        scoring_head = ScoringHead(
            task,
            num_classes=num_classes,
            from_logits=from_logits,
            name="scoring_head",
            dtype=policy,
        )
        outputs = scoring_head(x) if logits is None else scoring_head(x, logits)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.dtype_policy = policy  # A functional keras.Model ignores `dtype`.
        self.spec = spec
        self.task = task
        self.num_classes = num_classes
        self.from_logits = from_logits
        self.scoring_head = scoring_head
        self.tower = list(tower)
        self._sparse_tables = []

    def make_stages(self, inputs, spec, tower, dtype):
        """Builds the graph from the inputs to the scoring head; override for another graph.

        The default is `EmbeddingStack` → each layer of `tower` in turn. `WideDeep` and `DCN`
        override it. It is called by `__init__` before `keras.Model.__init__`, so it may read
        plain (non-layer) attributes a subclass set before calling `super().__init__`, and
        must set none itself.

        Args:
            inputs: dict of `keras.Input`, the model's inputs (`spec.make_inputs()`).
            spec: `FeatureSpec`. The spec the model was given.
            tower: list of layers, the model's `tower` argument.
            dtype: `keras.DTypePolicy`. The model's policy, for every layer made here.

        Returns:
            A tuple `(embedding_stack, x, logits)`: the `EmbeddingStack` named
            `"embedding_stack"` (the model keeps its copy of the spec as `model.spec`), the
            head's input, and a `(batch, units)` tensor that the head adds to its projection
            before the sigmoid or softmax, or None.
        """
        embedding_stack = EmbeddingStack(spec, name="embedding_stack", dtype=dtype)
        x = embedding_stack(inputs)
        for layer in tower:
            x = layer(x)
        return embedding_stack, x, None

    def summary(self, *args, **kwargs):
        """`keras.Model.summary`, then the Feature stage: the spec's table (`spec.summary`),
        which says each feature's columns of the inputs, table and slice of the stack."""
        super().summary(*args, **kwargs)
        print_fn = kwargs.get("print_fn") or print
        table = self.spec.summary_frame().to_string()
        print_fn(f"Feature stage (model.spec), stacked in this order by embedding_stack:\n{table}")

    def compile(
        self, optimizer="adam", loss=None, jit_compile="auto", table_optimizer="auto", **kwargs
    ):
        """`keras.Model.compile`, with the head's loss by default and row-sparse tables.

        Embedding tables train **row-sparsely** by default: a training step gathers the rows
        of each table that its batch looks up, takes the gradient with respect to them
        alone and updates them, and their optimizer state, in place. Dense variables (the
        tower, the head) keep `optimizer`. A step then costs what it touches, not what the
        tables hold: a table of 25 million rows trains as fast as one of ten thousand
        (`docs/benchmarks.md`). `table_optimizer=None` trains the tables densely with
        `optimizer`, as a plain Keras model does (a dense gradient and, with Adam, dense
        moments the size of each table).

        `jit_compile="auto"` is Keras's choice (XLA on JAX, and on TensorFlow with a GPU),
        except on TensorFlow without a GPU, where Keras turns XLA off and this model turns it
        on unless a `tf.distribute` strategy is in scope: XLA fuses the small per-feature ops,
        and trained the lesson's EmbeddingMLP 38 % faster on CPU. The row-sparse training
        step runs faster without it there, so with row-sparse tables only `predict` and
        `evaluate` use it (`docs/benchmarks.md`).

        Args:
            optimizer: as `keras.Model.compile`'s. Defaults to `"adam"`.
            loss: as `keras.Model.compile`'s; None takes the head's loss
                (`ScoringHead.default_loss`). Defaults to None.
            jit_compile: bool or `"auto"`. Defaults to `"auto"`.
            table_optimizer: how the tables train. `"auto"`: the row-sparse form of
                `optimizer` (`LazyAdam` for Adam, `Adagrad` for Adagrad, `SGD` for SGD;
                `deepcross.training.table_optimizers.matching`); a name (`"sgd"`,
                `"adagrad"`, `"rowwise_adagrad"`, `"lazy_adam"`) or a
                `deepcross.training.TableOptimizer`; None for dense training; or a dict
                of those keyed by table name, for a choice per table (tables left out take
                `"auto"`). Frozen tables (`trainable=False`) do not train. Defaults to
                `"auto"`.
            **kwargs: `keras.Model.compile` arguments (`metrics`, ...).
        """
        if loss is None:
            loss = self.scoring_head.default_loss()
        auto_xla = jit_compile == "auto" and keras.backend.backend() == "tensorflow"
        if auto_xla:
            import tensorflow as tf  # the backend: imported already

            jit_compile = not (kwargs.get("run_eagerly") or tf.distribute.has_strategy())
        super().compile(optimizer=optimizer, loss=loss, jit_compile=jit_compile, **kwargs)
        self._sparse_tables = table_training.use(self, table_optimizer)
        # XLA ran TensorFlow's row-sparse step up to 8 times slower on CPU (with dropout:
        # docs/benchmarks.md); without it the step is as fast as the dense one with XLA.
        # Only the training step leaves it: predict and evaluate keep it, so a model scores
        # the same before and after a save, whose compile config rebuilds this choice.
        self._train_without_xla = bool(auto_xla and self._sparse_tables)

    def make_train_function(self, force=False):
        if not getattr(self, "_train_without_xla", False) or not self.jit_compile:
            return super().make_train_function(force=force)
        self.jit_compile = False
        try:
            return super().make_train_function(force=force)
        finally:
            self.jit_compile = True

    def get_compile_config(self):
        config = super().get_compile_config()
        if config:  # {} when the model is not compiled
            config["table_optimizer"] = table_training.config(self)
        return config

    def compile_from_config(self, config):
        # `compile` above only fills in defaults, so the saved arguments apply as they are.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def train_step(self, *args):
        """Keras's training step, with the row-sparse tables' own (`compile`)."""
        if not self._sparse_tables:
            return super().train_step(*args)
        return table_training.train_step(self, self._sparse_tables, *args)

    def export(
        self,
        filepath,
        format="tf_saved_model",
        verbose=None,
        input_signature=None,
        dtypes=None,
        **kwargs,
    ):
        """Exports the model; the default, a TensorFlow SavedModel, scores raw values.

        With `format="tf_saved_model"`, the SavedModel's `serving_default` signature takes one
        `[batch]` input per raw column (strings, ids, numbers, as in a request to TF Serving)
        and returns `{"score": ...}`, equal to `predict_raw` on the same rows: see
        `deepcross.serving.export_saved_model` and `docs/serving.md`. Other formats are
        `keras.Model.export`'s, on the model's inputs.

        Args:
            filepath: str or path. Where to write the artifact.
            format: str. `"tf_saved_model"`, or a format of `keras.Model.export`. Defaults to
                `"tf_saved_model"`.
            verbose: bool or None. Print what was written. Defaults to None.
            input_signature: for other formats only: a SavedModel's inputs are the columns.
            dtypes: dict or None. A SavedModel's column dtypes where they differ from the
                kinds' defaults, e.g. `{"movieId": "int64"}`. Defaults to None.
            **kwargs: passed to the exporter.
        """
        if format != "tf_saved_model":
            if dtypes is not None:
                raise ValueError(f"dtypes applies to format='tf_saved_model', not {format!r}")
            return super().export(filepath, format, verbose, input_signature, **kwargs)
        if input_signature is not None:
            raise ValueError(
                "A deepcross SavedModel takes one input per raw column, made from the spec: "
                "declare column dtypes with dtypes={...} instead of input_signature"
            )
        from deepcross.serving.export import export_saved_model  # TensorFlow, when it runs

        export_saved_model(self, filepath, dtypes=dtypes, verbose=verbose, **kwargs)

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit` on the model's inputs; see `keras.Model.fit`.

        Given a `deepcross.data.FeatureDataset`, which shuffles itself, `shuffle` defaults to
        False, and Keras's "ran out of data" warning at the end of each pass is left out
        when the pass is the epoch (no `steps_per_epoch`).
        """
        entry_points.check_inputs(self.spec, x, "fit")
        validation = kwargs.get("validation_data")
        if isinstance(validation, (tuple, list)) and validation:
            entry_points.check_inputs(self.spec, validation[0], "fit")
        if isinstance(x, FeatureDataset):
            kwargs.setdefault("shuffle", False)
        with entry_points.epochs_are_passes(x, kwargs.get("steps_per_epoch")):
            return super().fit(x, *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        """`keras.Model.evaluate` on the model's inputs; see `keras.Model.evaluate`."""
        entry_points.check_inputs(self.spec, x, "evaluate")
        with entry_points.epochs_are_passes(x, kwargs.get("steps")):
            return super().evaluate(x, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """`keras.Model.predict` on the model's inputs; zero rows give an empty array."""
        entry_points.check_inputs(self.spec, x, "predict")
        if isinstance(x, dict) and any(len(v) == 0 for v in x.values()):
            return np.zeros((0,) + tuple(self.outputs[0].shape[1:]), "float32")
        with entry_points.epochs_are_passes(x, kwargs.get("steps")):
            return super().predict(x, *args, **kwargs)

    def preprocess(self, data):
        """Raw feature values to this model's inputs: `model.spec.transform(data)`."""
        return self.spec.transform(data)

    def predict_raw(self, data, batch_size=None, verbose="auto", **kwargs):
        """Predicts from raw feature values: `predict(preprocess(data))`.

        Up to 1,024 rows (or `batch_size` rows, when given) are one batch: they go through
        `predict_on_batch`, which skips `predict`'s per-call machinery (data adapter,
        callbacks, progress bar), so one serving request costs about a millisecond plus
        `spec.transform`. The batch is padded to a power of two rows (the padding's scores
        dropped), so a compiled model (XLA) compiles for at most 11 batch sizes, not for
        each request's. More rows, or any other `predict` argument, go through `predict`.

        Args:
            data: what `spec.transform` accepts: a pandas DataFrame, a dict of arrays, a
                list of records or a dict of single values (one row), holding the
                features' columns as they are in the source data (strings, ids, numbers,
                missing values).
            batch_size: int or None. Rows per batch for `predict`. Defaults to None
                (`predict`'s 32 for more than 1,024 rows).
            verbose: `predict`'s progress bar setting. Defaults to `"auto"`.
            **kwargs: passed to `keras.Model.predict` (`steps`, `callbacks`).

        Returns:
            The model's predictions as a float32 numpy array of shape `(rows, units)`;
            `(0, units)` when `data` has no rows.
        """
        x = self.preprocess(data)
        rows = len(next(iter(x.values())))
        if 0 < rows <= (batch_size or ONE_BATCH) and not kwargs:
            padding = (1 << (rows - 1).bit_length()) - rows
            if padding:
                x = {k: np.pad(v, ((0, padding), (0, 0))) for k, v in x.items()}
            return self.predict_on_batch(x)[:rows]
        return self.predict(x, batch_size=batch_size, verbose=verbose, **kwargs)

    def embedding_table(self, table, format="frame"):
        """The learned vectors of embedding table `table`, keyed by value: the way to take
        embeddings out of a model (for an ANN index, for another model's `dc.Table(vectors=...)`).

        Args:
            table: str. A table name of the spec (`model.spec.table_names`).
            format: str. `"frame"`: a pandas DataFrame indexed by key, one float32 column per
                dimension; `"arrays"`: a pair `(keys, matrix)`, an object array of str keys
                and a float32 `(rows, dim)` matrix, row i the vector of `keys[i]`. Defaults
                to `"frame"`.

        Returns:
            One row per table row (`EmbeddingStack.embedding_table`): `"[OOV]"` (or
            `"[OOV1]"`, ...) for out-of-vocabulary rows first, then the vocabulary's keys
            (ids for `IntegerIdentity`, bin numbers for `Hashed` and `Crossed`, bucket ranges
            for `Bucketized`). Drop the OOV rows before indexing:
            `frame.drop(index="[OOV]")`.
        """
        return self._table_out(self.get_layer("embedding_stack").embedding_table(table), format)

    @staticmethod
    def _table_out(frame, format):
        if format == "frame":
            return frame
        if format == "arrays":
            return frame.index.to_numpy(dtype=object), frame.to_numpy(dtype="float32")
        raise ValueError(f"format must be one of ('frame', 'arrays'), received format={format!r}")

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "spec": self.spec.get_config(assets=True),  # Long vocabularies: the stack's assets.
            "task": self.task,
            "num_classes": self.num_classes,
            "from_logits": self.from_logits,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "tower": [keras.layers.serialize(layer) for layer in self.tower],
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "head" in config:  # deepcross 0.1 called the task `head`.
            config["task"] = config.pop("head")
        config["spec"] = FeatureSpec.from_config(config["spec"])
        if "tower" in config:
            config["tower"] = [keras.layers.deserialize(layer) for layer in config["tower"]]
        return cls(**config)
