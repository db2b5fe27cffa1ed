"""The encoder in a worker process: same vectors as in-process, errors carried over, recovery after a crash."""

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from live_server import live_server, tiny_model_dir, wait_until

from bindspace.engine.encoder import Encoder
from bindspace.models import InputError, load_model
from bindspace.engine.encoder_process import EncoderProcess, EncoderProcessError


@pytest.fixture(scope="module")
def worker():
    process = EncoderProcess(tiny_model_dir(), threads=1)
    yield process
    process.close()


def _inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(7)
    return {
        "text": torch.randint(1, 49407, (3, 77), generator=generator),
        "vision": torch.randn(2, 3, 224, 224, generator=generator),
        "imu": torch.randn(4, 6, 2000, generator=generator),
    }


def test_vectors_match_the_in_process_encoder(worker):
    local = Encoder(load_model(tiny_model_dir()), precision="float32")
    assert worker.modalities == local.modalities
    assert worker.dimension == 48
    assert worker.precisions == {m: "float32" for m in local.modalities}
    for modality, batch in _inputs().items():
        expected = local.encode(modality, batch)
        got = worker.encode(modality, batch)
        assert got.dtype == torch.float32 and got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_input_errors_arrive_as_raised(worker):
    with pytest.raises(InputError, match=r"shape \(B, 77\)"):
        worker.encode("text", torch.zeros(2, 3, 5, dtype=torch.int64))
    with pytest.raises(InputError, match="no 'sonar' encoder"):
        worker.encode("sonar", torch.zeros(2, 3))
    assert worker.encode("text", _inputs()["text"]).shape == (3, 48)  # the worker carries on


def test_a_killed_worker_fails_its_batch_then_restarts():
    process = EncoderProcess(tiny_model_dir(), threads=1)
    try:
        first = process.pid
        expected = process.encode("text", _inputs()["text"])
        os.kill(first, signal.SIGKILL)
        with pytest.raises(EncoderProcessError, match="stopped .*exit code -9.* text batch of 3"):
            process.encode("text", _inputs()["text"])
        again = process.encode("text", _inputs()["text"])
        assert process.pid != first
        torch.testing.assert_close(again, expected)
    finally:
        process.close()


def test_calls_from_several_threads_are_pipelined_and_each_gets_its_own_vectors(worker):
    batches = [torch.randint(1, 49407, (n, 77), generator=torch.Generator().manual_seed(n)) for n in range(1, 13)]
    expected = [worker.encode("text", batch) for batch in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            got = list(pool.map(lambda batch: worker.encode("text", batch), batches))
            for a, b in zip(got, expected, strict=True):
                torch.testing.assert_close(a, b)


def test_a_killed_worker_fails_every_call_waiting_on_it():
    process = EncoderProcess(tiny_model_dir(), threads=1)
    try:
        # A stopped worker reads nothing, so every call queues on it (small batches fit in the socket buffer)
        os.kill(process.pid, signal.SIGSTOP)
        waiting = process._worker.waiting
        with ThreadPoolExecutor(6) as pool:
            calls = [pool.submit(process.encode, "text", _inputs()["text"]) for _ in range(6)]
            assert wait_until(lambda: len(waiting) == 6)
            os.kill(process.pid, signal.SIGKILL)
            outcomes = [call.exception(30) for call in calls]  # none hangs
        assert all(isinstance(outcome, EncoderProcessError) for outcome in outcomes), outcomes
        assert "exit code -9" in str(outcomes[0])
        assert process.encode("text", _inputs()["text"]).shape == (3, 48)
    finally:
        process.close()


def test_close_ends_the_worker():
    process = EncoderProcess(tiny_model_dir(), threads=1)
    pid = process.pid
    process.close()
    assert process.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_loading_error_is_raised_as_the_worker_raised_it(tmp_path):
    with pytest.raises(ValueError, match="cannot read model config"):
        EncoderProcess(tmp_path)


def test_the_service_answers_503_while_the_worker_restarts():
    server = live_server(inference_process=True)
    runtime = server.app.state.runtime
    body = {"modality": "text", "inputs": ["a dog barking"]}
    with server.client() as http:
        assert http.post("/v1/embed", json=body).status_code == 200
        os.kill(runtime.encoder_process.pid, signal.SIGKILL)
        stopped = http.post("/v1/embed", json=body)
        assert stopped.status_code == 503, stopped.text
        assert stopped.headers["Retry-After"] == "1"
        assert stopped.json()["error"]["code"] == "inference_restarting"
        assert http.post("/v1/embed", json=body).status_code == 200


def test_the_service_gives_the_same_vectors_with_the_model_in_its_own_process():
    body = {"modality": "text", "inputs": ["a dog barking", "rain on a tin roof"]}
    vectors = []
    for inference_process in (True, False):
        server = live_server(inference_process=inference_process)
        assert (server.app.state.runtime.encoder_process is not None) is inference_process
        with server.client() as http:
            response = http.post("/v1/embed", json=body)
        assert response.status_code == 200, response.text
        vectors.append(torch.tensor([item["embedding"] for item in response.json()["data"]]))
    torch.testing.assert_close(vectors[0], vectors[1], rtol=1e-5, atol=1e-6)
