"""deepcross: Keras 3 layers for Embedding+MLP ranking models, after Deep Crossing."""

from deepcross import data
from deepcross import datasets
from deepcross import features
from deepcross import layers
from deepcross import models
from deepcross import serving
from deepcross import training
from deepcross.features import Bucketized
from deepcross.features import Categorical
from deepcross.features import Crossed
from deepcross.features import FeatureSpec
from deepcross.features import Hashed
from deepcross.features import IntegerIdentity
from deepcross.features import Numeric
from deepcross.features import Table

__version__ = "0.2.0"

__all__ = [
    "Bucketized",
    "Categorical",
    "Crossed",
    "FeatureSpec",
    "Hashed",
    "IntegerIdentity",
    "Numeric",
    "Table",
    "data",
    "datasets",
    "features",
    "layers",
    "models",
    "serving",
    "training",
]
