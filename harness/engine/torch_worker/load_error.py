"""The one error type a model load raises on purpose; the engine turns its kinds into UserErrors."""
from __future__ import annotations


class LoadError(Exception):
    """A model that cannot be loaded; kind is one of missing_model, missing_tokenizer, missing_dependency,
    unsupported, no_cuda, too_large, bad_weights (a weights file cut short or not what its name says)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
