"""Presenting live: a course notebook shown as slides inside JupyterLab (jupyterlab-slideshow's
deck mode) keeps its ipywidgets panel a live widget, in a real browser and with no network.

JupyterLab in headless Chromium opens notebook 06, runs its setup cell and the cell of its
Grad-CAM panel (the whole notebook in the browser is test_widgets_in_browser.py's job: about
170 s), starts deck mode from the notebook toolbar's deck button with the panel's cell selected,
and checks that

- the panel's slide is on screen and the panel is a rendered widget (``.widget-vbox`` with its
  figure ``<img>`` visible), nowhere the text ``VBox(children=`` (how jupyterlab-rise 0.43 shows
  ipywidgets 8);
- the arrow keys change the slide (right: the panel leaves the screen and the next slide's
  heading comes; left: the panel is back), and Escape leaves deck mode;
- cells marked ``skip`` stay off screen;
- cells marked ``notes`` stay off screen too (deck mode keeps them with their slide, unshown);
- no request left 127.0.0.1 (each one is blocked and recorded) but the images the notebook's own
  markdown links to (the Colab and Binder badges of its title cell, which JupyterLab fetches
  when it renders the notebook, deck or not); no JavaScript error.

Screenshots go to ``artifacts/browser/``. Run with ``make test-browser`` (``CNNVIZ_BROWSER=1``).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import nbformat
import pytest

from .conftest import ARTIFACTS, RESULTS, ROOT
from .test_widgets_in_browser import FIGURE, PANEL_CALL, _accept_dialogs, _wait_kernel_idle, _within

NOTEBOOK = "06_gradcam.ipynb"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "file", "chrome-error"}
RUN_TIMEOUT_MS = 120_000
NOTEBOOK_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\((https?://[^)\s]+)\)")
ON_SCREEN = "jp-deck-mod-onscreen"  # the class deck mode gives the cells of the slide on screen


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or (parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname in LOCAL_HOSTS)


def _cells() -> list:
    return nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4).cells


def _slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def _run_cell(page, cell) -> None:
    """Select a code cell by its prompt, run it with Shift+Enter, wait for its ``[n]`` prompt."""
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    handle = cell.element_handle()
    _within(
        f"a cell of {NOTEBOOK} did not run within {RUN_TIMEOUT_MS // 1000} s",
        page.wait_for_function,
        "c => /\\[\\d+\\]/.test(c.querySelector('.jp-InputPrompt')?.textContent ?? '')",
        arg=handle,
        timeout=RUN_TIMEOUT_MS,
    )


def _on_screen(page) -> list[int]:
    """The indices of the cells deck mode shows now."""
    return page.evaluate(f"""() => [...document.querySelectorAll('{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell')]
                                    .map((c, i) => c.classList.contains('{ON_SCREEN}') ? i : -1).filter(i => i >= 0)""")


@pytest.mark.slow
def test_deck_mode_shows_the_panel_as_a_live_widget(jupyterlab, browser):
    cells = _cells()
    setup = next(i for i, c in enumerate(cells) if c.cell_type == "code" and "import cnnviz_lab as cv" in c.source)
    panel_at = next(i for i, c in enumerate(cells) if c.cell_type == "code" and PANEL_CALL.search(c.source))
    after = next(i for i in range(panel_at + 1, len(cells)) if _slide_type(cells[i]) in {"slide", "subslide"})
    hidden = {i for i, c in enumerate(cells) if _slide_type(c) in {"skip", "notes"}}
    linked = {url for c in cells if c.cell_type == "markdown" for url in MARKDOWN_IMAGE.findall(c.source)}
    next_title = cells[after].source.splitlines()[0].lstrip("#").strip()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = ARTIFACTS / "deck-06"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    errors: list[str] = []

    def route(r):
        if _is_local(r.request.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda err: errors.append(str(err)))
    start = time.perf_counter()
    try:
        page.goto(jupyterlab.page_url(NOTEBOOK), wait_until="domcontentloaded")
        page.wait_for_selector(f"{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell", timeout=90_000)
        _wait_kernel_idle(page)
        _accept_dialogs(page)
        dom_cells = page.locator(f"{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell")
        assert dom_cells.count() == len(cells)
        _run_cell(page, dom_cells.nth(setup))
        _run_cell(page, dom_cells.nth(panel_at))
        _wait_kernel_idle(page)
        panel_cell = dom_cells.nth(panel_at)
        _within("the panel drew no figure in the notebook", panel_cell.locator(FIGURE).first.wait_for, state="visible")
        ran = time.perf_counter() - start

        # The lecturer selects the panel's cell and clicks the deck button of the notebook toolbar.
        panel_cell.locator(".jp-InputPrompt").first.click()
        page.locator(f"{NOTEBOOK_PANEL} .jp-NotebookPanel-toolbar [data-command='deck:toggle']").click()
        page.wait_for_selector("body[data-jp-deck-mode='presenting']", state="attached")
        page.wait_for_function(f"i => document.querySelectorAll('{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell')[i].classList.contains('{ON_SCREEN}')", arg=panel_at)
        shown = _on_screen(page)
        assert panel_at in shown, f"deck mode shows cells {shown}, not the panel's cell {panel_at}"
        assert not set(shown) & hidden, f"cells marked skip or notes are on screen: {sorted(set(shown) & hidden)}"
        widget = panel_cell.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox").first
        widget.wait_for(state="visible")
        figure = widget.locator(FIGURE).first
        figure.wait_for(state="visible")
        src = figure.get_attribute("src") or ""
        assert src.startswith("data:image/"), f"the panel's figure is not an image: {src[:60]!r}"
        box = figure.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"the panel's figure is not visible in the deck: {box}"
        assert "VBox(children=" not in page.locator("body").inner_text(), "a widget is shown as text"
        page.screenshot(path=str(shots) + "-1-panel.png")

        # The arrow keys move through the deck (the deck's keys act on the focused notebook in command mode).
        page.keyboard.press("ArrowRight")
        _within(
            f"ArrowRight did not move to the next slide ({next_title!r})",
            page.wait_for_function,
            f"i => document.querySelectorAll('{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell')[i].classList.contains('{ON_SCREEN}')",
            arg=after,
            timeout=30_000,
        )
        shown = _on_screen(page)
        assert panel_at not in shown, f"after ArrowRight the panel is still on screen (cells {shown})"
        assert not set(shown) & hidden, f"cells marked skip or notes are on screen: {sorted(set(shown) & hidden)}"
        assert not panel_cell.locator(FIGURE).first.is_visible(), "after ArrowRight the panel's figure is still visible"
        assert page.get_by_role("heading", name=re.compile(re.escape(next_title[:30]))).first.is_visible()
        page.screenshot(path=str(shots) + "-2-next.png")
        page.keyboard.press("ArrowLeft")
        _within("ArrowLeft did not come back to the panel's slide", figure.wait_for, state="visible", timeout=30_000)
        assert panel_at in _on_screen(page)
        page.keyboard.press("Escape")
        _within("Escape did not leave deck mode", page.wait_for_function, "() => document.body.dataset.jpDeckMode !== 'presenting'", timeout=30_000)
        RESULTS.append(
            f"{NOTEBOOK} in deck mode: setup and panel cells ran in {ran:.1f} s; the panel's slide shows "
            f"the live widget with its figure; ArrowRight showed {next_title!r}, ArrowLeft the panel again; "
            f"requests blocked: {sorted(set(outside)) or 'none'}"
        )
        stray = sorted(set(outside) - linked)
        assert not stray, f"requests left 127.0.0.1 (other than the notebook's own markdown images): {stray[:10]}"
        assert not errors, f"JavaScript errors in the page: {errors[:3]}"
    except Exception:
        page.screenshot(path=str(shots) + "-failure.png")
        raise
    finally:
        context.close()
