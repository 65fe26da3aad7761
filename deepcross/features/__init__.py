"""The Feature stage: declarative feature specs and the kinds of feature they hold."""

from deepcross.features.bucketized import Bucketized
from deepcross.features.categorical import Categorical
from deepcross.features.categorical_feature import CategoricalFeature
from deepcross.features.feature_spec import FeatureSpec
from deepcross.features.hashed import Hashed
from deepcross.features.integer_identity import IntegerIdentity
from deepcross.features.numeric import Numeric

__all__ = [
    "Bucketized",
    "Categorical",
    "CategoricalFeature",
    "FeatureSpec",
    "Hashed",
    "IntegerIdentity",
    "Numeric",
]
