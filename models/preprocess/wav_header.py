"""Reading what a RIFF/WAVE header declares, to catch truncated and lying WAV files.

libsndfile silently shortens a WAV whose `data` chunk claims more bytes than the file holds, so
a truncated upload or a header claiming hours of audio would otherwise pass as a short clip.
"""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_SIZES = (0, 0xFFFFFFFF)
"""`data` sizes written by streaming encoders that do not know the final length."""


@dataclass(frozen=True)
class WavDataChunk:
    declared_bytes: int
    present_bytes: int
    byte_rate: int

    @property
    def declared_seconds(self) -> float:
        return self.declared_bytes / self.byte_rate

    @property
    def size_known(self) -> bool:
        return self.declared_bytes not in UNKNOWN_SIZES and self.byte_rate > 0


def wav_data_chunk(data: bytes) -> WavDataChunk | None:
    """The `data` chunk of a RIFF/WAVE file, or None if `data` is not one or has no such chunk."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    byte_rate = 0
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        body = position + 8
        if chunk_id == b"fmt " and size >= 12:
            byte_rate = int.from_bytes(data[body + 8 : body + 12], "little")
        elif chunk_id == b"data":
            return WavDataChunk(size, len(data) - body, byte_rate)
        position = body + size + (size & 1)
    return None
