"""FastJSONResponse: vectors written by pydantic-core read back exactly as the floats that went in."""

import json
import math

import numpy as np

from bindspace.app.responses import FastJSONResponse


def test_float32_vectors_round_trip_exactly() -> None:
    vector = np.random.default_rng(0).standard_normal(512).astype(np.float32)
    body = FastJSONResponse({"data": [{"index": 0, "embedding": vector.tolist()}]}).body
    decoded = np.array(json.loads(body)["data"][0]["embedding"], dtype=np.float32)
    assert np.array_equal(decoded, vector)


def test_output_is_compact_utf8_json_with_null_for_non_finite_numbers() -> None:
    body = FastJSONResponse({"label": "café", "values": [1.5, math.nan, math.inf]}).body
    assert body == '{"label":"café","values":[1.5,null,null]}'.encode()
    assert json.loads(body) == {"label": "café", "values": [1.5, None, None]}
