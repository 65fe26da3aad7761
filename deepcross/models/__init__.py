"""Deep Crossing family models built from the deepcross layers."""

from deepcross.models.deep_crossing import DeepCrossing
from deepcross.models.embedding_mlp import EmbeddingMLP
from deepcross.models.ranking_model import RankingModel

__all__ = ["DeepCrossing", "EmbeddingMLP", "RankingModel"]
