"""Text to the text encoder's input: a (77,) int64 tensor of CLIP BPE token ids.

Contract: open_clip's `SimpleTokenizer` (the CLIP BPE vocabulary; ids identical to
`open_clip.tokenize` and to the reference): the text is cleaned (ftfy, HTML unescaping,
whitespace collapsed, lower-cased), wrapped in the start (49406) and end (49407) tokens and
zero-padded to 77. Longer text keeps the start token, its first 75 tokens and the end token, so
the encoder, which pools at the end token, always finds one.

Accepted: `str` (the text itself), UTF-8 `bytes` (a leading BOM is dropped), or an `os.PathLike`
naming a UTF-8 text file. Empty text is allowed (start and end tokens only). Rejected: invalid
UTF-8, unpaired surrogates, and text longer than `max_text_chars` characters.
`TextPreprocessor.batch` tokenizes a list of texts at once into an (N, 77) tensor.
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Union

import torch

from bindspace.models.errors import InputError
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.source import read_source

if TYPE_CHECKING:
    from open_clip.tokenizer import SimpleTokenizer

CONTEXT_LENGTH = 77
_PLAIN_TEXT = re.compile(r"[ -%'-~]*")
"""Printable ASCII except '&' (so no HTML entity): text that open_clip's ftfy cleaning leaves as is."""
WORD_CACHE_SIZE = 65536
"""Words whose token ids a `TextPreprocessor` remembers (each a few hundred bytes)."""
TextSource = Union[str, bytes, bytearray, memoryview, os.PathLike]


class TextPreprocessor(Preprocessor):
    """Callable turning one text into (77,) CLIP token ids; `batch` handles a list."""

    kind = "text"
    releases_gil = False
    """The tokenizer is pure Python: worker threads cannot run it in parallel, only add hand-offs."""

    def __init__(self, limits: InputLimits | None = None) -> None:
        super().__init__(limits)

    @cached_property
    def tokenizer(self) -> SimpleTokenizer:
        """open_clip's CLIP tokenizer, loaded on first use (importing open_clip takes seconds).

        Its cleaning step (ftfy, HTML unescaping, whitespace, lower case) costs about 23 us per
        text, 40% of tokenizing a caption; for printable ASCII without '&', where ftfy and
        unescaping change nothing, the same result is had by collapsing whitespace and lower-casing.
        """
        from open_clip.tokenizer import SimpleTokenizer

        tokenizer = SimpleTokenizer(context_length=CONTEXT_LENGTH)
        tokenizer.clean_fn = PlainTextShortcut(tokenizer.clean_fn)
        return tokenizer

    def __call__(self, source: TextSource) -> torch.Tensor:
        return _int64_tensor(self.token_ids(self.text(source)))

    def token_ids(self, text: str) -> list[int]:
        """The CONTEXT_LENGTH ids of a validated text, as `SimpleTokenizer` makes them (built as a list,
        which costs a third less than the tokenizer's per-row tensor writes)."""
        tokenizer = self.tokenizer
        ids = [tokenizer.sot_token_id, *self.encode(text), tokenizer.eot_token_id]
        if len(ids) > CONTEXT_LENGTH:
            ids = ids[:CONTEXT_LENGTH]
            ids[-1] = tokenizer.eot_token_id
        return ids + [0] * (CONTEXT_LENGTH - len(ids))

    def encode(self, text: str) -> list[int]:
        """`SimpleTokenizer.encode(text)`, with the ids of each word it splits the text into remembered.

        The tokenizer turns every word into BPE symbols and looks each up on every call; here a word's
        ids are looked up once and reused while the word cache holds them (`WORD_CACHE_SIZE` words,
        emptied when full), which takes a third off tokenizing a caption.
        """
        tokenizer = self.tokenizer
        cache = self._word_ids
        ids: list[int] = []
        for word in tokenizer.pat.findall(tokenizer.clean_fn(text)):
            word_ids = cache.get(word)
            if word_ids is None:
                symbols = "".join(tokenizer.byte_encoder[b] for b in word.encode("utf-8"))
                word_ids = tuple(tokenizer.encoder[bpe] for bpe in tokenizer.bpe(symbols).split(" "))
                if len(cache) >= WORD_CACHE_SIZE:
                    cache.clear()
                cache[word] = word_ids
            ids.extend(word_ids)
        return ids

    @cached_property
    def _word_ids(self) -> dict[str, tuple[int, ...]]:
        return {}

    def batch(self, sources: Sequence[TextSource]) -> torch.Tensor:
        """(N, 77) token ids for N texts; an invalid item raises `InputError` naming its index."""
        texts = self.texts(sources)
        if not texts:
            return torch.zeros(0, CONTEXT_LENGTH, dtype=torch.long)
        ids = [token for text in texts for token in self.token_ids(text)]
        return _int64_tensor(ids).view(len(texts), CONTEXT_LENGTH)

    def texts(self, sources: Sequence[TextSource]) -> list[str]:
        """The validated text of every source; an invalid item raises `InputError` naming its index."""
        texts = []
        for index, source in enumerate(sources):
            try:
                texts.append(self.text(source))
            except InputError as exc:
                raise InputError(f"item {index}: {exc}") from exc
        return texts

    def text(self, source: TextSource) -> str:
        """The validated text of `source`."""
        if isinstance(source, str):
            text = source
        elif isinstance(source, os.PathLike):
            text = _decode(read_source(source, self.kind, self.limits.max_bytes))
        elif isinstance(source, (bytes, bytearray, memoryview)):
            text = _decode(bytes(source))
        else:
            raise InputError(
                f"text: expected str, UTF-8 bytes or a path, got {type(source).__name__}"
            )
        if len(text) > self.limits.max_text_chars:
            raise InputError(
                f"text: {len(text)} characters exceed the {self.limits.max_text_chars} character limit"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(f"text: unpaired surrogate at character {exc.start}") from exc
        return text


class PlainTextShortcut:
    """A tokenizer cleaning function that skips the full cleaning for plain text (picklable, so
    preprocessors can go to worker processes)."""

    def __init__(self, full_clean: Callable[[str], str]) -> None:
        self.full_clean = full_clean

    def __call__(self, text: str) -> str:
        if _PLAIN_TEXT.fullmatch(text):
            return " ".join(text.split()).lower()
        return self.full_clean(text)


def _int64_tensor(values: list[int]) -> torch.Tensor:
    """An int64 tensor of `values` (through an array buffer: a quarter of `torch.tensor`'s cost)."""
    return torch.frombuffer(array("q", values), dtype=torch.int64)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"text: invalid UTF-8 at byte {exc.start}: {exc.reason}") from exc
