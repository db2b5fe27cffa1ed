"""Resumable, verified HTTP downloads of checkpoint files.

A file is downloaded to `<target>.part`. When that exists, the download asks for the rest with an
HTTP Range request; a server that ignores it (answers 200 instead of 206) gets the file from the
start, truncating the partial file. A connection that breaks after some bytes arrived is resumed
(up to `attempts` times); one that cannot be opened fails at once with the URL in the message.
Only when the whole file's sha256 (and size) match is it renamed to `target`; a mismatch deletes it.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

CHUNK_BYTES = 1 << 20
USER_AGENT = "bindspace-pull"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(RuntimeError):
    """A download that could not be completed; the message names the URL."""


class ChecksumError(DownloadError):
    """A downloaded file whose sha256 or size differs from the expected one (the file is deleted)."""

    def __init__(self, message: str, expected: str | None, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


def download_file(
    urls: list[str],
    target: Path,
    *,
    sha256: str | None,
    size: int | None = None,
    timeout_s: float = 30.0,
    attempts: int = 3,
    progress: bool = True,
) -> str:
    """Download the file at the first URL of `urls` that answers into `target`; return its sha256.

    Raises `ChecksumError` (expected and actual sha256 in the message) when the file does not match,
    `DownloadError` naming each URL when none could be downloaded. `sha256=None` skips verification
    (the caller decides whether that is acceptable).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    failures = []
    for url in urls:
        try:
            _fetch(url, part, size=size, timeout_s=timeout_s, attempts=attempts, progress=progress)
            break
        except ChecksumError:
            raise
        except DownloadError as error:
            failures.append(str(error))
    else:
        raise DownloadError("; ".join(failures))
    actual = file_sha256(part)
    actual_size = part.stat().st_size
    if (sha256 is not None and actual != sha256) or (size is not None and actual_size != size):
        part.unlink()
        raise ChecksumError(
            f"{url} gave a file that does not match the registry: expected sha256 {sha256} "
            f"({size if size is not None else 'any'} bytes), got sha256 {actual} ({actual_size} bytes); "
            "the download was deleted and nothing was installed",
            sha256, actual,
        )
    os.replace(part, target)
    return actual


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's contents."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _fetch(url: str, part: Path, *, size: int | None, timeout_s: float, attempts: int, progress: bool) -> None:
    """Bring `part` to the complete file at `url`, resuming it where it stopped."""
    for attempt in range(1, attempts + 1):
        offset = part.stat().st_size if part.exists() else 0
        if size is not None and offset > size:
            part.unlink()
            offset = 0
        if size is not None and offset == size:
            return
        headers = {"User-Agent": USER_AGENT}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout_s)
        except urllib.error.HTTPError as error:
            if error.code == 416 and offset and size is None:
                return  # nothing after `offset`: the partial file is already complete
            raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}") from error
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise DownloadError(f"cannot download {url}: {reason}") from error
        with response:
            if offset and not (response.status == 206 and _range_start(response) == offset):
                offset = 0  # the server sent the whole file: start again
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length is not None and length.isdigit() else size
            received, failure = 0, None
            try:
                with open(part, "ab" if offset else "wb") as file, tqdm(
                    total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                    desc=part.name.removesuffix(".part"), disable=not progress, leave=False,
                ) as bar:
                    while chunk := response.read(CHUNK_BYTES):
                        file.write(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as error:
                failure = error
        if failure is None and (total is None or offset + received >= total):
            return
        # The connection ended early (with an error, or just closed): resume if it made progress.
        if received == 0 or attempt == attempts:
            reason = f" ({failure})" if failure is not None else ""
            raise DownloadError(
                f"download of {url} broke off after {offset + received} bytes{reason}; "
                "run the same command again to resume it"
            ) from failure


def _range_start(response: http.client.HTTPResponse) -> int | None:
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    return int(match.group(1)) if match else None
