"""`compile=True` works (same outputs as eager) or is refused with a clear error before any work."""

import pytest
import torch

from bindspace.engine.encoder import CompileUnavailable, Encoder, compile_unavailable_reason


def test_compile_is_refused_without_a_cpp_compiler(reference_model, monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler")
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert "C++ compiler" in compile_unavailable_reason("cpu")
    with pytest.raises(CompileUnavailable, match="C\\+\\+ compiler"):
        Encoder(reference_model, precision="float32", compile=True)


def test_compile_setting_marks_every_trunk(reference_model):
    if compile_unavailable_reason("cpu"):
        pytest.skip(compile_unavailable_reason("cpu"))
    encoder = Encoder(reference_model, precision="float32", compile=True)
    assert encoder.compiled
    assert all(trunk._compiled_call_impl is not None for trunk in encoder.model.modality_trunks.values())
    # The caller's model is not compiled.
    assert all(trunk._compiled_call_impl is None for trunk in reference_model.modality_trunks.values())


@pytest.mark.slow
def test_compiled_encoder_matches_eager(reference_model, reference_fixture):
    """Runs inductor (about a minute on 2 cores)."""
    if compile_unavailable_reason("cpu"):
        pytest.skip(compile_unavailable_reason("cpu"))
    from safetensors.torch import load_file

    batch = load_file(reference_fixture / "inputs.safetensors")["vision"]
    eager = Encoder(reference_model, precision="float32").encode("vision", batch)
    compiled = Encoder(reference_model, precision="float32", compile=True).encode("vision", batch)
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-5)
