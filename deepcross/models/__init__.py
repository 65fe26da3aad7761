"""Deep Crossing family models built from the deepcross layers."""

from deepcross.models.dcn import DCN
from deepcross.models.deep_crossing import DeepCrossing
from deepcross.models.embedding_mlp import EmbeddingMLP
from deepcross.models.ranking_model import RankingModel
from deepcross.models.wide_deep import WideDeep

__all__ = ["DCN", "DeepCrossing", "EmbeddingMLP", "RankingModel", "WideDeep"]
