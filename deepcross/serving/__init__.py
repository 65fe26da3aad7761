"""Serving: exported models that score raw values."""

from deepcross.serving.export import export_saved_model
from deepcross.serving.export import serving_signature

__all__ = ["export_saved_model", "serving_signature"]
