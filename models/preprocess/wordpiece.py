"""Text to a BERT-family text tower's input: WordPiece token ids from the model's `tokenizer.json`.

Contract: the Hugging Face `tokenizers` library runs the tokenizer file the model pins (for
all-MiniLM-L6-v2: BERT normalisation with lower-casing, WordPiece, `[CLS] ... [SEP]`), truncated to
`max_tokens` ids (sentence-transformers' `max_seq_length`, 256 for all-MiniLM-L6-v2) and zero-padded
(`[PAD]` is id 0) to that length, so every item has the same shape. Accepted sources and their
validation are those of `TextPreprocessor` (str, UTF-8 bytes or a path; `max_text_chars`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, Mapping

import torch
from tokenizers import Tokenizer

from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.text import TextPreprocessor, TextSource
from bindspace.models.pretrained_files import PinnedFile, verified_path

PAD_ID = 0


class WordPieceTextPreprocessor(TextPreprocessor):
    """Callable turning one text into (max_tokens,) int64 WordPiece ids; `batch` handles a list."""

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        tokenizer_file: Mapping[str, Any],
        max_tokens: int = 256,
    ) -> None:
        super().__init__(limits)
        if not isinstance(max_tokens, int) or max_tokens < 2:
            raise ValueError(f"max_tokens must be an integer of at least 2, got {max_tokens!r}")
        self.pinned = PinnedFile.from_dict(tokenizer_file)
        self.max_tokens = max_tokens

    @cached_property
    def tokenizer(self) -> Tokenizer:
        tokenizer = Tokenizer.from_file(str(verified_path(self.pinned)))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding(pad_id=PAD_ID, length=self.max_tokens)
        return tokenizer

    def __call__(self, source: TextSource) -> torch.Tensor:
        return torch.tensor(self.tokenizer.encode(self.text(source)).ids, dtype=torch.int64)

    def batch(self, sources: Sequence[TextSource]) -> torch.Tensor:
        """(N, max_tokens) ids for N texts; an invalid item raises `InputError` naming its index."""
        texts = self.texts(sources)
        if not texts:
            return torch.zeros(0, self.max_tokens, dtype=torch.int64)
        return torch.tensor([encoding.ids for encoding in self.tokenizer.encode_batch(texts)], dtype=torch.int64)
