"""Serving: scoring files with a saved model (`deepcross predict`, `deepcross.serving.cli`)."""
