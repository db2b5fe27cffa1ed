"""`Encoder.encode_stream`: preprocessing ahead on threads gives the same vectors, in order."""

import threading

import pytest
import torch

from bindspace.models import InputError
from bindspace.engine.encoder import STREAM_AHEAD, Encoder


@pytest.fixture(scope="module")
def encoder(reference_model):
    return Encoder(reference_model, precision="float32")


def texts(count: int) -> list[str]:
    return [f"a photo of thing number {i}" for i in range(count)]


def test_stream_matches_one_big_batch(encoder):
    from bindspace.models.preprocess import TextPreprocessor

    preprocess = TextPreprocessor()
    sources = texts(11)
    expected = encoder.encode("text", torch.stack([preprocess(s) for s in sources]))
    batches = list(encoder.encode_stream("text", sources, preprocess, batch_size=4, workers=3))
    assert [len(b) for b in batches] == [4, 4, 3]
    torch.testing.assert_close(torch.cat(batches), expected, rtol=1e-5, atol=1e-6)


def test_stream_preprocesses_on_worker_threads(encoder):
    from bindspace.models.preprocess import TextPreprocessor

    preprocess, threads = TextPreprocessor(), set()

    def recording(source):
        threads.add(threading.current_thread().name)
        return preprocess(source)

    list(encoder.encode_stream("text", texts(8), recording, batch_size=2, workers=2))
    assert threads and all(name.startswith("bindspace-preprocess") for name in threads)


def test_stream_runs_gil_bound_preprocessing_in_the_calling_thread(encoder):
    from bindspace.models.preprocess import TextPreprocessor

    preprocess = TextPreprocessor()
    assert preprocess.releases_gil is False
    threads = set()
    calling = threading.current_thread().name
    original = TextPreprocessor.__call__

    class RecordingText(TextPreprocessor):
        def __call__(self, source):
            threads.add(threading.current_thread().name)
            return original(self, source)

    sources = texts(7)
    batches = list(encoder.encode_stream("text", sources, RecordingText(), batch_size=3, workers=2))
    assert threads == {calling}
    assert [len(b) for b in batches] == [3, 3, 1]
    expected = encoder.encode("text", torch.stack([preprocess(s) for s in sources]))
    torch.testing.assert_close(torch.cat(batches), expected, rtol=1e-5, atol=1e-6)


def test_stream_reads_sources_lazily(encoder):
    from bindspace.models.preprocess import TextPreprocessor

    taken = []

    def sources():
        for i, text in enumerate(texts(100)):
            taken.append(i)
            yield text

    stream = encoder.encode_stream("text", sources(), TextPreprocessor(), batch_size=5, workers=1)
    next(stream)
    assert len(taken) <= 5 * (1 + STREAM_AHEAD)  # the batch being encoded and those prepared ahead
    stream.close()


def test_stream_raises_the_preprocessing_error(encoder):
    from bindspace.models.preprocess import TextPreprocessor

    preprocess = TextPreprocessor()

    def failing(source):
        if source == "bad":
            raise InputError("bad input")
        return preprocess(source)

    stream = encoder.encode_stream("text", ["fine"] * 3 + ["bad"], failing, batch_size=2)
    assert len(next(stream)) == 2
    with pytest.raises(InputError, match="bad input"):
        next(stream)


@pytest.mark.parametrize("batch_size, workers", [(0, 1), (2, 0)])
def test_stream_refuses_bad_sizes(encoder, batch_size, workers):
    with pytest.raises(ValueError, match="positive"):
        next(encoder.encode_stream("text", texts(2), str, batch_size=batch_size, workers=workers))
