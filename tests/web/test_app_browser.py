"""The app view (``cnnviz app``) in a real browser, offline: it renders with no code shown,
choosing another method and uploading a PNG redraw the map with no traceback, and a file
that is not an image gets a clear message. The seconds each step took are printed in the
summary (benchmarks/bench_web_build.py measures them on a quiet machine)."""

from __future__ import annotations

import time

import numpy as np
from PIL import Image

from .conftest import ARTIFACTS, offline_page

FIGURE = ".widget-output img"
RENDER_TIMEOUT_MS = 180_000  # first visit: Voila's pre-heated kernel may still be starting
REDRAW_TIMEOUT_MS = 60_000
TIMES: dict[str, float] = {}


def _panel(page):
    page.locator(FIGURE).first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    return page.locator(".widget-vbox:has(.widget-output img)").first


def _dropdown(panel, label: str):
    box = panel.locator(".widget-dropdown", has=panel.page.locator(".widget-label", has_text=label)).first
    return box.locator("select")


def _settled(page) -> str:
    """The figure once the panel has stopped computing and the figure has stayed the same for
    a second (a change can cost two redraws: a new image also changes the class menu)."""
    page.wait_for_function(
        """() => new Promise(done => {
        const src = () => document.querySelector('.widget-output img')?.src;
        const busy = () => /computing\\.\\.\\./.test(document.body.innerText);
        const first = src();
        setTimeout(() => done(!busy() && src() === first), 1000); })""",
        timeout=REDRAW_TIMEOUT_MS,
        polling=100,
    )
    return page.locator(FIGURE).first.get_attribute("src")


def _wait_new_figure(page, old: str, what: str) -> float:
    start = time.perf_counter()
    page.wait_for_function(
        "old => { const i = document.querySelector('.widget-output img'); return i && i.src !== old && i.src.startsWith('data:image/png;base64,iVBOR'); }",
        arg=old,
        timeout=REDRAW_TIMEOUT_MS,
    )
    TIMES[what] = time.perf_counter() - start
    _settled(page)
    return TIMES[what]


def _upload(page, path) -> None:
    """Press the panel's upload button and choose ``path`` in the file chooser, as a person would."""
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").first.click()
    chooser.value.set_files(str(path))


def _no_traceback(page) -> None:
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "Error:" not in text, text[-1500:]


def test_the_app_renders_redraws_and_takes_an_upload(app_server, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page(browser, 1280, 900) as (page, _watch):
        start = time.perf_counter()
        page.goto(app_server.url, wait_until="commit")
        try:
            panel = _panel(page)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "app-failure.png"))
            raise
        TIMES["first render"] = time.perf_counter() - start
        img = page.locator(FIGURE).first
        assert img.get_attribute("src").startswith("data:image/png;base64,iVBOR")
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0, "code is shown"
        assert "cv.widgets" not in page.locator("body").inner_text()
        _no_traceback(page)
        page.screenshot(path=str(ARTIFACTS / "app-1-rendered.png"))

        # another method of the same family
        old = img.get_attribute("src")
        method = _dropdown(panel, "method")
        current = method.evaluate("s => s.options[s.selectedIndex].text")
        choice = next(o for o in method.locator("option").all_inner_texts() if o != current and "Score" not in o)
        method.select_option(label=choice)
        _wait_new_figure(page, old, f"method -> {choice}")
        _no_traceback(page)

        # another family: the layer menu says the method uses no layer
        old = page.locator(FIGURE).first.get_attribute("src")
        _dropdown(panel, "family").select_option(label="gradients")
        _wait_new_figure(page, old, "family -> gradients")
        assert _dropdown(panel, "layer").is_disabled()
        _no_traceback(page)

        # your own photo: a PNG
        rng = np.random.default_rng(0)
        photo = tmp_path / "my_photo.png"
        Image.fromarray(rng.integers(0, 255, (180, 240, 3), dtype=np.uint8)).save(photo)
        old = page.locator(FIGURE).first.get_attribute("src")
        _upload(page, photo)
        _wait_new_figure(page, old, "upload a PNG")
        assert "my_photo.png" in _dropdown(panel, "image").evaluate("s => s.options[s.selectedIndex].text")
        _no_traceback(page)
        page.screenshot(path=str(ARTIFACTS / "app-2-uploaded.png"))

        # not an image: a clear message, no traceback, the photo stays chosen
        _settled(page)
        notes = tmp_path / "notes.txt"
        notes.write_text("not a picture")
        _upload(page, notes)
        message = page.locator(".widget-html", has_text="notes.txt").first
        message.wait_for(timeout=REDRAW_TIMEOUT_MS)
        text = message.inner_text()
        assert "Upload a JPEG or PNG photo" in text, text
        assert "my_photo.png" in _dropdown(panel, "image").evaluate("s => s.options[s.selectedIndex].text")
        assert "notes.txt" not in " ".join(_dropdown(panel, "image").locator("option").all_inner_texts())
        _no_traceback(page)
        page.screenshot(path=str(ARTIFACTS / "app-3-not-an-image.png"))
    print("app view:", ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items()))
