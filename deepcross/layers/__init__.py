"""The Embedding, Stacking, MLP and Scoring stages of Deep Crossing, as Keras layers."""

from deepcross.layers.embedding_stack import EmbeddingStack
from deepcross.layers.mlp import MLP
from deepcross.layers.residual_unit import ResidualUnit
from deepcross.layers.scoring_head import ScoringHead
from deepcross.layers.wide_linear import WideLinear

__all__ = ["EmbeddingStack", "MLP", "ResidualUnit", "ScoringHead", "WideLinear"]
