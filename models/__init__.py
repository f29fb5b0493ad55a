"""Trainable classifiers (scikit-learn and transformers), their evaluation and their registry."""
