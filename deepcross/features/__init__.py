"""The Feature stage: declarative feature specs and the kinds of feature they hold."""

from deepcross.features.bucketized import Bucketized
from deepcross.features.categorical import Categorical
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.crossed import Crossed
from deepcross.features.embedded_feature import EmbeddedFeature
from deepcross.features.feature import Feature
from deepcross.features.feature_spec import FeatureSpec
from deepcross.features.hashed import Hashed
from deepcross.features.input_layout import InputLayout
from deepcross.features.integer_identity import IntegerIdentity
from deepcross.features.numeric import Numeric
from deepcross.features.table import Table

__all__ = [
    "Bucketized",
    "Categorical",
    "CategoricalFeature",
    "Crossed",
    "EmbeddedFeature",
    "Feature",
    "FeatureSpec",
    "Hashed",
    "InputLayout",
    "IntegerIdentity",
    "Numeric",
    "Table",
]
