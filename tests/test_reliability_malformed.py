"""The malformed-media corpus (tests/malformed/build.py) sent through every route that takes each kind.

Every refused case must get a 4xx whose message matches the case's expectation (it names the problem);
every accepted case a 2xx. The server process must stay ready throughout, and leave no temporary file,
no stray file in its data directory and no open file handle behind.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import base64
import importlib.util
import json
import re
import sys
from pathlib import Path

import httpx
import pytest
from server_process import ServerProcess, files_under, shared_tiny_model

_spec = importlib.util.spec_from_file_location("malformed_corpus", Path(__file__).parent / "malformed" / "build.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules["malformed_corpus"] = corpus
_spec.loader.exec_module(corpus)

COLLECTION = "malformed"
VECTORIZE_FIELD = {"text": "texts", "image": "images", "audio": "audio", "video": "video", "imu": "imu",
                   "thermal": "thermal", "depth": "depth"}
ROUTES = ("embed-json", "embed-multipart", "embeddings", "vectorize", "upsert", "search", "classify")


class Harness:
    """The server, and what its temp dir, data dir and open files held before the corpus was sent."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.http = server.client(timeout=120)
        self.accepted_upserts = 0
        response = self.http.post("/v1/collections", json={"name": COLLECTION})
        assert response.status_code == 201, response.text
        self.tmp_before = files_under(server.tmp_dir)
        self.data_before = files_under(server.data_dir)
        self.open_before = server.open_files()


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    work = tmp_path_factory.mktemp("malformed")
    server = ServerProcess(shared_tiny_model(), work / "data", work)
    server.start()
    harness = Harness(server)
    yield harness
    harness.http.close()
    server.stop()


def requests_for(case, kind: str, payload: bytes | str) -> dict[str, dict]:
    """The request each route gets for one input: httpx keyword arguments by route name."""
    path = f"{case.name}.{case.extension}"
    if isinstance(payload, str):  # text given as a string travels as a string everywhere
        value = uri = payload
        spec = {"modality": kind, "text": payload}
        upload = {"data": {"modality": kind, "text": payload}}
    else:
        value = base64.b64encode(payload).decode("ascii")
        uri = f"data:{case.media_type};base64,{value}"
        # Text bytes need a data URI to be bytes at all; every other kind takes raw base64.
        spec = {"modality": kind, "data": uri if kind == "text" else value}
        upload = {"data": {"modality": kind}, "files": {"file": (path, payload, case.media_type)}}
    item_id = f"{case.name}-{kind}"
    requests = {
        "embed-json": {"url": "/v1/embed", "json": {"modality": kind, "inputs": [uri if kind == "text" else value]}},
        "embed-multipart": {"url": "/v1/embed", **upload},
        "embeddings": {"url": "/v1/embeddings", "json": {"model": "any", "input": [uri], "modality": kind}},
        "vectorize": {"url": "/vectorize", "json": {VECTORIZE_FIELD[kind]: [value]}},
        "upsert": {"url": f"/v1/collections/{COLLECTION}/items", "json": {"items": [{"id": item_id, "input": spec}]}},
        "search": {"url": f"/v1/collections/{COLLECTION}/search", "json": {"query": {"input": spec}, "k": 1}},
        "classify": {"url": "/v1/classify", "json": {"input": spec, "candidate_labels": ["a dog", "rain"]}},
    }
    if kind == "text" and not isinstance(payload, str):
        del requests["vectorize"]  # Weaviate's texts are strings taken verbatim: bytes cannot be sent there
    if isinstance(payload, str) and not _utf8_encodable(payload):
        del requests["embed-multipart"]  # a form field cannot carry an unpaired surrogate
    return requests


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def error_message(response: httpx.Response) -> str:
    body = response.json()
    error = body["error"]
    return error if isinstance(error, str) else error["message"]


CASE_KINDS = [pytest.param(case, kind, id=f"{case.name}-{kind}") for case in corpus.CASES for kind in case.kinds]


def test_the_corpus_covers_every_kind_with_at_least_40_files() -> None:
    assert len(corpus.CASES) >= 40
    assert {kind for case in corpus.CASES for kind in case.kinds} == set(VECTORIZE_FIELD)
    assert len({case.name for case in corpus.CASES}) == len(corpus.CASES), "case names must be unique"
    assert any(case.accepted for case in corpus.CASES) and sum(not case.accepted for case in corpus.CASES) >= 40


@pytest.mark.parametrize(("case", "kind"), CASE_KINDS)
def test_every_route_answers_the_case(harness, case, kind) -> None:
    payload = case.payload()
    problems = []
    for route, request in requests_for(case, kind, payload).items():
        if "json" in request:  # ASCII-escaped, so that an unpaired surrogate reaches the server as `\\ud800`
            body = json.dumps(request.pop("json")).encode("ascii")
            request.update(content=body, headers={"content-type": "application/json"})
        response = harness.http.post(**request)
        if case.accepted:
            if response.status_code >= 300:
                problems.append(f"{route}: expected 2xx, got {response.status_code}: {response.text[:300]}")
            elif route == "upsert":
                harness.accepted_upserts += 1
        elif not 400 <= response.status_code < 500:
            problems.append(f"{route}: expected 4xx, got {response.status_code}: {response.text[:300]}")
        else:
            message = error_message(response)
            if not re.search(case.expect, message, re.IGNORECASE):
                problems.append(f"{route}: {response.status_code} message {message[:300]!r} does not match "
                                f"{case.expect!r}")
        ready = harness.http.get("/readyz")
        assert ready.status_code == 200, f"not ready after {route}: {ready.text}"
    assert not problems, "\n".join(problems)


def test_nothing_left_behind(harness) -> None:
    """Runs after the corpus: temp dir and data dir as before, no file handle leaked, nothing refused stored."""
    server = harness.server
    assert server.alive()
    assert files_under(server.tmp_dir) == harness.tmp_before, "temporary files left behind"
    assert files_under(server.data_dir) == harness.data_before, "files appeared in the data directory"
    assert server.open_files() <= harness.open_before, "the server holds files it did not hold before"
    count = harness.http.get(f"/v1/collections/{COLLECTION}").json()["count"]
    assert count == harness.accepted_upserts
    log = server.log_text()
    assert "Traceback" not in log, log[-5000:]
