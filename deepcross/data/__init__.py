"""Training data streamed from files: chunked CSV and Parquet reading, the encoded cache."""

from deepcross.data.data_position import DataPosition
from deepcross.data.feature_dataset import FeatureDataset

__all__ = ["DataPosition", "FeatureDataset"]
