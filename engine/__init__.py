"""The serving engine: a loaded model, dynamic batching and zero-shot classification, without HTTP."""
