"""TextPreprocessor: CLIP token ids, truncation that keeps the end token, input forms, batching."""

import json
import pickle
import random
import string

import open_clip
import pytest
import torch
from safetensors.torch import load_file

from bindspace.models.errors import InputError
from bindspace.models.preprocess import InputLimits, TextPreprocessor
from preprocess_samples import FIXTURE

END_TOKEN = 49407
START_TOKEN = 49406


@pytest.fixture(scope="module")
def preprocess():
    return TextPreprocessor()


@pytest.fixture(scope="module")
def fixture_texts() -> list[str]:
    return json.loads((FIXTURE / "texts.json").read_text())


def test_matches_reference_token_ids(preprocess, fixture_texts):
    expected = load_file(FIXTURE / "inputs.safetensors")["text"]
    for index, text in enumerate(fixture_texts):
        result = preprocess(text)
        assert result.shape == (77,) and result.dtype == torch.int64
        assert torch.equal(result, expected[index])
    assert torch.equal(preprocess.batch(fixture_texts), expected)


def test_empty_text_is_start_and_end_only(preprocess):
    result = preprocess("")
    assert result[:2].tolist() == [START_TOKEN, END_TOKEN] and torch.count_nonzero(result[2:]) == 0


def test_truncation_keeps_the_end_token(preprocess):
    result = preprocess("word " * 500)
    assert result[0] == START_TOKEN and result[-1] == END_TOKEN
    assert torch.count_nonzero(result) == 77
    assert int(result.argmax()) == 76  # the encoder pools at the highest id: the end token
    assert torch.equal(result, open_clip.tokenize(["word " * 500])[0])


def test_bytes_bom_and_path_inputs(preprocess, tmp_path):
    text = "Thermal image of a person at night 🌙"
    expected = preprocess(text)
    assert torch.equal(preprocess(text.encode()), expected)
    assert torch.equal(preprocess(b"\xef\xbb\xbf" + text.encode()), expected)
    path = tmp_path / "caption.txt"
    path.write_text(text, encoding="utf-8")
    assert torch.equal(preprocess(path), expected)


def test_batch_equals_single_items(preprocess, fixture_texts):
    texts = fixture_texts + ["a cat", b"a dog"]
    batch = preprocess.batch(texts)
    assert batch.shape == (len(texts), 77)
    for row, text in zip(batch, texts):
        assert torch.equal(row, preprocess(text))
    assert preprocess.batch([]).shape == (0, 77)
    with pytest.raises(InputError, match=r"item 1: text: invalid UTF-8"):
        preprocess.batch(["fine", b"\xff"])


def test_character_limit_is_configurable():
    small = TextPreprocessor(InputLimits(max_text_chars=10))
    assert small("0123456789").shape == (77,)
    with pytest.raises(InputError, match="11 characters exceed the 10 character limit"):
        small("0123456789a")


@pytest.mark.parametrize("text", [
    "Caf&eacute; &amp; bar", "  tabs\tand\r\nnew lines  ", "emoji 🐶🔊 and ＣＪＫ 日本語", "Ã©tÃ© mojibake",
    "word " * 75, "word " * 76, "a" * 400,
])
def test_matches_open_clip_on_awkward_text(preprocess, text):
    assert torch.equal(preprocess(text), open_clip.tokenize([text])[0])


def test_plain_ascii_shortcut_matches_open_clip(preprocess):
    # Printable ASCII without '&' skips ftfy and HTML unescaping; the ids must not change.
    rng = random.Random(0)
    alphabets = (string.printable, " -%'~<>\"\\;.,!?AaZz09", string.ascii_letters + "  &;#")
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
             for alphabet in alphabets for _ in range(500)]
    texts += ["  Hello   World ", "&lt;b&gt;", "<b>&</b>", "don't STOP", "x\x1by", "a\x7fb"]
    assert torch.equal(preprocess.batch(texts), open_clip.tokenize(texts))


def test_pickles_after_use_for_worker_processes(preprocess):
    preprocess("warm the tokenizer")
    copy = pickle.loads(pickle.dumps(preprocess))
    assert torch.equal(copy("A  Plain caption"), preprocess("a plain caption"))


def test_word_cache_stays_exact_when_full(monkeypatch):
    monkeypatch.setattr("bindspace.models.preprocess.text.WORD_CACHE_SIZE", 8)
    preprocess = TextPreprocessor()
    rng = random.Random(1)
    words = ["dog", "barking", "rain", "roof", "thermal", "camera", "Night", "walk", "run!", "it's", "x9"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(200)]
    assert torch.equal(preprocess.batch(texts), open_clip.tokenize(texts))
    assert 0 < len(preprocess._word_ids) <= 8
