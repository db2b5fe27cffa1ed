"""The serving engine: a loaded model, dynamic batching and zero-shot classification, without HTTP."""

from bindspace.engine.engine import Engine, EngineNotReadyError, ModelInfo, UnsupportedKindError
from bindspace.engine.settings import Settings

__all__ = ["Engine", "EngineNotReadyError", "ModelInfo", "Settings", "UnsupportedKindError"]
