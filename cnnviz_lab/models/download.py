"""Download one file atomically: a progress bar, resume after an interruption, verify, rename.

:func:`download` never leaves a corrupt file at its destination. Bytes go to
``DEST.partial`` first; an interrupted transfer keeps that partial file, and the next
attempt (in the same call, up to ``retries`` times, or in a later session) asks the server
for the rest with an HTTP ``Range: bytes=K-`` request. A server that ignores ranges answers
with the whole file, which then replaces the partial one from its first byte (a clean
restart). When every byte has arrived the file is checked (the size the server announced
and, when given, the leading hex digits of its SHA-256, torch.hub's file-name convention
``name-<sha256 prefix>.pth``) and only then renamed onto ``DEST`` (``os.replace``, atomic
on one file system). A file that fails the check is deleted, never moved into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from typing import Iterator

from ..core import defaults

CHUNK = 1 << 20
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{6,64})\.")


class DownloadError(RuntimeError):
    """A download failed (network, server error, or a file that does not verify); the
    destination was left untouched."""


def hash_prefix_of(filename: str) -> str | None:
    """The SHA-256 prefix torch.hub file names carry (``vgg16-397923af.pth`` -> ``397923af``)."""
    match = _HASH_IN_NAME.search(os.path.basename(filename))
    return match.group(1) if match else None


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` + ``.lock`` (POSIX ``flock``; no lock elsewhere), so two
    processes never write the same partial file."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path + ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _total_from(response, start: int) -> int | None:
    """The full file size from a 206's ``Content-Range`` or a 200's ``Content-Length``."""
    content_range = response.headers.get("Content-Range")
    if response.status == 206 and content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    if length is None or not length.strip().isdigit():
        return None
    return int(length) + (start if response.status == 206 else 0)


def _fetch_into(url: str, partial: str, timeout: float, bar) -> int | None:
    """One HTTP request appending to ``partial`` (resuming when it holds bytes and the server
    honours the range). Returns the full size the server announced (None if it did not).
    Network errors propagate with the partial file kept for the next attempt."""
    start = os.path.getsize(partial) if os.path.exists(partial) else 0
    request = urllib.request.Request(url, headers={"User-Agent": "cnnviz-lab"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and start:  # the partial file is no prefix of this file: restart
            os.remove(partial)
            return _fetch_into(url, partial, timeout, bar)
        if err.code >= 500:
            raise  # a server error may pass: the caller retries
        raise DownloadError(f"{url} answered HTTP {err.code} {err.reason}") from err
    with response:
        resumed = start > 0 and response.status == 206 and (response.headers.get("Content-Range") or "").startswith(f"bytes {start}-")
        if not resumed:
            start = 0  # a 200 (ranges not supported) or an odd 206: start again from byte 0
        total = _total_from(response, start)
        bar.reset(total=total)
        bar.update(start)
        with open(partial, "ab" if resumed else "wb") as out:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
    return total


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str, dest: str, *, sha256_prefix: str | None = None, size: int | None = None, retries: int = 3, timeout: float = 30.0, progress: bool = True
) -> str:
    """Download ``url`` to ``dest`` atomically and return ``dest``.

    Shows one progress bar counting bytes when ``progress``
    (:func:`cnnviz_lab.core.defaults.byte_bar`). A transfer cut short is resumed
    with an HTTP Range request (or restarted when the server ignores ranges) up to
    ``retries`` more times; after that the partial file stays beside ``dest`` and the next
    call resumes it. The finished file must have the size the server announced (and
    ``size`` when given) and, when ``sha256_prefix`` is given, a SHA-256 starting with it;
    otherwise it is deleted and :class:`DownloadError` raised. ``dest`` appears only once
    the file is complete and verified. An existing ``dest`` is returned as it is.
    """
    if not isinstance(url, str) or not url:
        raise TypeError(f"url must be a non-empty string, got {url!r}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if os.path.exists(dest):
        return dest
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    partial = dest + ".partial"
    with _locked(dest):
        if os.path.exists(dest):  # another process finished it while we waited for the lock
            return dest
        with defaults.byte_bar(desc=os.path.basename(dest), progress=bool(progress)) as bar:
            total = None
            for attempt in range(retries + 1):
                try:
                    total = _fetch_into(url, partial, timeout, bar)
                except DownloadError:
                    raise
                except (OSError, http.client.HTTPException) as err:
                    if attempt == retries:
                        kept = os.path.getsize(partial) if os.path.exists(partial) else 0
                        raise DownloadError(
                            f"downloading {url} failed after {attempt + 1} attempt(s): {err}. {kept} bytes are kept in {partial}; run again to resume"
                        ) from err
                    time.sleep(min(2.0, 0.25 * 2**attempt))
                    continue
                got = os.path.getsize(partial)
                if total is not None and got < total:
                    if attempt < retries:
                        continue  # the server closed early: ask for the rest
                    raise DownloadError(
                        f"downloading {url} stopped at {got} of {total} bytes after {attempt + 1} attempt(s); they are kept in {partial}: run again to resume"
                    )
                break
        _verify(url, partial, total, size, sha256_prefix)
        os.replace(partial, dest)
    return dest


def _verify(url: str, partial: str, total: int | None, size: int | None, sha256_prefix: str | None) -> None:
    """Delete ``partial`` and raise unless it has the expected size and hash prefix."""
    got = os.path.getsize(partial)
    problem = None
    if total is not None and got != total:
        problem = f"{got} bytes arrived, the server announced {total}"
    elif size is not None and got != size:
        problem = f"{got} bytes arrived, expected {size}"
    elif sha256_prefix:
        digest = _sha256(partial)
        if not digest.startswith(sha256_prefix.lower()):
            problem = f"its SHA-256 is {digest[:16]}..., expected {sha256_prefix}..."
    if problem:
        os.remove(partial)
        raise DownloadError(f"the file from {url} is incomplete or corrupt ({problem}); nothing was cached, try again")
