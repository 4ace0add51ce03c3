"""The download path, against a local HTTP server on 127.0.0.1 (no network): progress bar,
an interrupted transfer resumed with a Range request or cleanly restarted, server errors,
and a truncated or corrupt file never landing at its destination."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.models.download import download, DownloadError, hash_prefix_of

DATA = os.urandom(300_000)
SHA = hashlib.sha256(DATA).hexdigest()


class Server:
    """Serves ``files`` ({name: bytes}); ``mode`` decides how: "ok" (Range honoured),
    "norange" (Range ignored: always the whole file), "cut_once" (the first request stops
    halfway), "short" (every request stops halfway), "error" (HTTP 500), "corrupt" (one
    byte changed). ``requests`` records each request's path and Range header."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.mode = "ok"
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("Range")))
                name = self.path.rsplit("/", 1)[-1]
                if server.mode == "error":
                    self.send_error(500, "boom")
                    return
                if name not in server.files:
                    self.send_error(404, "no such file")
                    return
                data = server.files[name]
                if server.mode == "corrupt":
                    data = bytes([data[0] ^ 1]) + data[1:]
                start = 0
                rng = self.headers.get("Range")
                if rng and server.mode != "norange":
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_error(416, "range")
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                body = data[start:]
                cut = server.mode == "short" or (server.mode == "cut_once" and len(server.requests) == 1)
                self.wfile.write(body[: len(body) // 2] if cut else body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/models/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    s.files[f"tiny-{SHA[:8]}.pth"] = DATA
    yield s
    s.close()


def _dest(tmp_path) -> str:
    return str(tmp_path / "checkpoints" / f"tiny-{SHA[:8]}.pth")


def test_hash_prefix_is_read_from_torch_hub_file_names():
    assert hash_prefix_of("/x/vgg16-397923af.pth") == "397923af"
    assert hash_prefix_of("inception_v3_google-0cc3c7bd.pth") == "0cc3c7bd"
    assert hash_prefix_of("weights.pth") is None


def test_download_shows_one_progress_bar_and_verifies(server, tmp_path, capsys):
    dest = _dest(tmp_path)
    url = server.url + os.path.basename(dest)
    assert download(url, dest, sha256_prefix=hash_prefix_of(dest), progress=True) == dest
    with open(dest, "rb") as fh:
        assert fh.read() == DATA
    err = capsys.readouterr().err
    assert os.path.basename(dest) in err and "100%" in err and "293k" in err  # bytes, scaled by 1024
    assert not os.path.exists(dest + ".partial")
    assert len(server.requests) == 1
    download(url, dest, sha256_prefix=hash_prefix_of(dest))  # cached: no second request
    assert len(server.requests) == 1


def test_interrupted_download_is_resumed_with_a_range_request(server, tmp_path):
    dest = _dest(tmp_path)
    url = server.url + os.path.basename(dest)
    server.mode = "cut_once"
    with pytest.raises(DownloadError, match="run again to resume"):
        download(url, dest, sha256_prefix=SHA[:8], retries=0, progress=False)
    assert not os.path.exists(dest)
    half = os.path.getsize(dest + ".partial")
    assert half == len(DATA) // 2
    download(url, dest, sha256_prefix=SHA[:8], progress=False)  # a later call resumes
    assert server.requests[-1][1] == f"bytes={half}-"
    with open(dest, "rb") as fh:
        assert fh.read() == DATA
    assert not os.path.exists(dest + ".partial")


def test_a_cut_transfer_resumes_within_one_call(server, tmp_path):
    dest = _dest(tmp_path)
    server.mode = "cut_once"
    download(server.url + os.path.basename(dest), dest, sha256_prefix=SHA[:8], retries=1, progress=False)
    assert [r for _p, r in server.requests] == [None, f"bytes={len(DATA) // 2}-"]
    assert open(dest, "rb").read() == DATA


def test_server_without_ranges_restarts_cleanly(server, tmp_path):
    dest = _dest(tmp_path)
    os.makedirs(os.path.dirname(dest))
    with open(dest + ".partial", "wb") as fh:
        fh.write(b"stale bytes of an older attempt")
    server.mode = "norange"
    download(server.url + os.path.basename(dest), dest, sha256_prefix=SHA[:8], progress=False)
    assert server.requests[0][1] == "bytes=31-"  # asked to resume, got the whole file
    assert open(dest, "rb").read() == DATA


@pytest.mark.parametrize("mode, message", [("error", "HTTP Error 500"), ("missing", "HTTP 404")])
def test_server_errors_raise_and_cache_nothing(server, tmp_path, mode, message):
    dest = _dest(tmp_path)
    server.mode = "error" if mode == "error" else "ok"
    name = os.path.basename(dest) if mode == "error" else "absent-00000000.pth"
    with pytest.raises(DownloadError, match=message):
        download(server.url + name, dest, retries=1, progress=False)
    assert not os.path.exists(dest) and not os.path.exists(dest + ".partial")
    assert len(server.requests) == (2 if mode == "error" else 1)  # 5xx retried, 404 not


def test_corrupt_file_never_lands_in_the_cache(server, tmp_path):
    dest = _dest(tmp_path)
    url = server.url + os.path.basename(dest)
    server.mode = "corrupt"
    with pytest.raises(DownloadError, match="corrupt.*SHA-256"):
        download(url, dest, sha256_prefix=SHA[:8], progress=False)
    assert not os.path.exists(dest) and not os.path.exists(dest + ".partial")
    server.mode = "ok"  # the next attempt starts afresh and succeeds
    download(url, dest, sha256_prefix=SHA[:8], progress=False)
    assert open(dest, "rb").read() == DATA


def test_stale_partial_that_does_not_verify_is_deleted(server, tmp_path):
    dest = _dest(tmp_path)
    os.makedirs(os.path.dirname(dest))
    with open(dest + ".partial", "wb") as fh:
        fh.write(os.urandom(1000))  # not a prefix of DATA: the resumed file fails its hash
    with pytest.raises(DownloadError, match="nothing was cached"):
        download(server.url + os.path.basename(dest), dest, sha256_prefix=SHA[:8], progress=False)
    assert not os.path.exists(dest) and not os.path.exists(dest + ".partial")


def test_truncated_transfer_never_lands(server, tmp_path):
    dest = _dest(tmp_path)
    server.mode = "short"
    with pytest.raises(DownloadError, match="stopped at"):
        download(server.url + os.path.basename(dest), dest, retries=1, progress=False)
    assert not os.path.exists(dest)
    assert os.path.getsize(dest + ".partial") < len(DATA)  # kept for a later resume


def test_bad_arguments():
    with pytest.raises(TypeError, match="url"):
        download("", "/tmp/x")
    with pytest.raises(ValueError, match="retries"):
        download("http://127.0.0.1:9/x", "/tmp/x", retries=-1)


# --- the same path through load_model and `cnnviz fetch` --------------------------------------


def _serve_fake_weights(server, name: str) -> tuple[str, bytes, dict]:
    """Serve a random state dict of ``name`` under its torchvision file name."""
    import io
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
    import fake_hub

    state = fake_hub.fake_state_dict(name)
    buf = io.BytesIO()
    torch.save(state, buf)
    fname = cv.hub.file_name(cv.hub.default_weights(name))
    server.files[fname] = buf.getvalue()
    return fname, buf.getvalue(), state


@pytest.fixture
def online_empty_cache(server, tmp_path, monkeypatch):
    """CNNVIZ_OFFLINE unset, an empty TORCH_HOME and the local server as weights server."""
    monkeypatch.delenv("CNNVIZ_OFFLINE", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("CNNVIZ_WEIGHTS_URL", server.url)
    return tmp_path / "torch" / "hub" / "checkpoints"


def test_load_model_downloads_once_with_a_bar_and_loads_weights_only(server, online_empty_cache, monkeypatch, capsys):
    fname, data, state = _serve_fake_weights(server, "mobilenet_v2")
    # The served file is not torchvision's, so its hash is not the one in the file name:
    # take the served file as the reference, the check itself stays on.
    monkeypatch.setattr(cv.hub, "hash_prefix_of", lambda _path: hashlib.sha256(data).hexdigest()[:8])
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(k.get("weights_only")) or real_load(*a, **k))
    clf = cv.load_model("mobilenet_v2", device="cpu")
    assert clf.name == "mobilenet_v2" and clf.fallback_note is None
    assert (online_empty_cache / fname).exists()
    assert fname in capsys.readouterr().err  # the progress bar
    assert loads == [True]
    key = "features.0.0.weight"
    assert torch.equal(clf.model.state_dict()[key], state[key].float())
    cv.load_model("mobilenet_v2", device="cpu")  # cached now: no second download
    assert len(server.requests) == 1


def test_a_file_that_fails_its_hash_is_not_cached_and_fallback_says_why(server, online_empty_cache, capsys):
    fname, _data, _state = _serve_fake_weights(server, "mobilenet_v2")
    with pytest.raises(cv.ModelUnavailableError, match="corrupt"):
        cv.load_model("mobilenet_v2", device="cpu")
    assert not (online_empty_cache / fname).exists()
    assert not any(p.name.endswith(".partial") for p in online_empty_cache.iterdir())
    clf = cv.load_model("mobilenet_v2", device="cpu", fallback=True)
    assert clf.name == "efficientnet_lite0" and clf.requested == "mobilenet_v2"
    assert "corrupt" in clf.fallback_note and "cnnviz fetch mobilenet_v2" in clf.fallback_note


def test_cnnviz_fetch_uses_the_same_path(server, online_empty_cache, monkeypatch, capsys):
    from cnnviz_lab.cli import main

    fname, data, _state = _serve_fake_weights(server, "mobilenet_v2")
    assert main(["fetch", "mobilenet_v2"]) == 2  # the hash in the name does not match
    assert "corrupt" in capsys.readouterr().err and not (online_empty_cache / fname).exists()
    monkeypatch.setattr(cv.hub, "hash_prefix_of", lambda _path: hashlib.sha256(data).hexdigest()[:8])
    monkeypatch.delenv("CNNVIZ_WEIGHTS_URL")
    assert main(["fetch", "mobilenet_v2", "efficientnet_lite0", "--url", server.url]) == 0
    assert f"cached {online_empty_cache / fname}" in capsys.readouterr().out
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    assert main(["fetch", "vgg16"]) == 2
    assert "CNNVIZ_OFFLINE=1 forbids downloads" in capsys.readouterr().err
