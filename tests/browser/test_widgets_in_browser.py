"""A student's view, proven in a real browser: JupyterLab in headless Chromium opens a
course notebook, runs every cell, moves a control of its ipywidgets panel (the layer
slider, or the class dropdown) and sees the panel's figure change.

Covers notebooks 00 and 06 (06 is written on another branch: it is covered as soon as it
exists). Screenshots go to ``artifacts/browser/``. Run with ``make test-browser``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

from .conftest import ARTIFACTS, RESULTS, ROOT

# Measured at about 170 s per notebook on 2 busy CPU cores (JupyterLab in Chromium).
pytestmark = pytest.mark.slow

BROWSER_NOTEBOOKS = ["00", "06"]  # notebook numbers whose panels the browser test drives
RUN_ALL_TIMEOUT_MS = 150_000
REDRAW_TIMEOUT_MS = 60_000
PANEL_CALL = re.compile(r"\bcv\.widgets\.\w+_panel\(")

# The panel: a VBox whose Output widget shows the figure as an <img>.
PANEL = ".jp-OutputArea-output .widget-vbox:has(.widget-output img)"
FIGURE = ".widget-output img"


def _notebook(number: str) -> Path | None:
    found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    return found[0] if found else None


def _has_panel(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(c.cell_type == "code" and PANEL_CALL.search(c.source) for c in nb.cells)


def _control(panel):
    """The control to move and how: the layer slider, else the class dropdown, else the
    first slider, else the first dropdown whose options offer a change."""
    sliders = panel.locator(".widget-slider:not(.widget-vslider)")
    dropdowns = panel.locator(".widget-dropdown")
    for kind, group, label in [("slider", sliders, "layer"), ("dropdown", dropdowns, "class"), ("slider", sliders, None), ("dropdown", dropdowns, None)]:
        for i in range(group.count()):
            widget = group.nth(i)
            text = widget.locator(".widget-label").first.inner_text().strip().lower()
            if label is not None and text != label:
                continue
            if kind == "dropdown" and (text == "model" or widget.locator("option").count() < 2):
                continue
            return kind, text, widget
    raise AssertionError("the panel has no slider and no dropdown to move")


def _move(kind: str, widget) -> None:
    if kind == "slider":
        handle = widget.locator(".noUi-handle").first
        handle.focus()
        before = widget.locator(".widget-readout").first.inner_text()
        handle.press("ArrowRight")
        if widget.locator(".widget-readout").first.inner_text() == before:  # already at the right end
            handle.press("ArrowLeft")
            handle.press("ArrowLeft")
    else:
        select = widget.locator("select")
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.options[s.selectedIndex].text")
        select.select_option(label=next(o for o in options if o != current))


def _within(message: str, wait, *args, **kwargs):
    """A Playwright wait whose timeout fails the test with ``message`` instead of a bare TimeoutError."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return wait(*args, **kwargs)
    except PlaywrightTimeout:
        raise AssertionError(message) from None


def _accept_dialogs(page) -> None:
    """Accept any dialog JupyterLab opened on load (e.g. a kernel choice): a student clicks OK."""
    for button in page.locator(".jp-Dialog .jp-Dialog-footer .jp-mod-accept").all():
        button.click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def _wait_kernel_idle(page) -> None:
    """A kernel is connected (not "No Kernel") and idle, per the status bar and the toolbar."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                   .some(e => /^(?!No Kernel).+\\|\\s*Idle$/.test(e.textContent.trim()))
              && document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) '
                   + '.jp-Notebook-ExecutionIndicator[data-status="idle"]') !== null""",
        timeout=RUN_ALL_TIMEOUT_MS,
    )


def _cases():
    for number in BROWSER_NOTEBOOKS:
        if _notebook(number) is None:  # skip before JupyterLab starts for nothing
            yield pytest.param(
                number,
                marks=pytest.mark.skip(reason=f"notebook {number} is not in this checkout yet (written on another branch); the test covers it once it exists"),
            )
        else:
            yield number


@pytest.mark.parametrize("number", list(_cases()))
def test_panel_redraws_when_a_control_moves(number, jupyterlab, browser):
    path = _notebook(number)
    assert _has_panel(path), f"{path.name} displays no cv.widgets.*_panel: the browser test has nothing to move"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = ARTIFACTS / path.stem
    for old in ARTIFACTS.glob(f"{path.stem}-*.png"):  # screenshots of an earlier run
        old.unlink()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    console_errors: list[str] = []
    page.on("pageerror", lambda err: console_errors.append(str(err)))
    start = time.perf_counter()
    try:
        page.goto(jupyterlab.page_url(path.name), wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=90_000)
        _wait_kernel_idle(page)
        _accept_dialogs(page)
        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").count()

        # Run > Run All Cells, as a student would, with this notebook's tab focused.
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        _within(
            f"{path.name}: not every code cell ran within {RUN_ALL_TIMEOUT_MS // 1000} s",
            page.wait_for_function,
            """n => { const cells = [...document.querySelectorAll(
                          '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')];
                      // a cell whose source is hidden (a solution) shows a placeholder, no prompt
                      return cells.length === n && cells.every(c => c.querySelector('.jp-InputPlaceholder')
                          || /\\[\\d+\\]/.test(c.querySelector('.jp-InputPrompt')?.textContent ?? '')); }""",
            arg=cells,
            timeout=RUN_ALL_TIMEOUT_MS,
        )
        _wait_kernel_idle(page)
        ran = time.perf_counter() - start
        page.screenshot(path=str(shots) + "-1-ran-all.png")
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
        errors = [o for o in outputs if "Traceback (most recent call last)" in o]
        assert not errors, f"{path.name}: a cell raised in the browser:\n{errors[0][-2000:]}"

        panel = page.locator(PANEL).first
        panel.scroll_into_view_if_needed()
        figure = panel.locator(FIGURE).first
        figure.wait_for(state="visible")
        before = figure.get_attribute("src")
        assert before and before.startswith("data:image/"), f"the panel shows no figure: src={before!r:.80}"
        panel.screenshot(path=str(shots) + "-2-panel-before.png")

        kind, label, widget = _control(panel)
        moved = time.perf_counter()
        _move(kind, widget)
        run = panel.locator("button.widget-button:not(.widget-toggle-button)")
        if run.count():  # a panel that recomputes on its button: press it, as a student would
            run.first.click()
        handle = panel.element_handle()
        _within(
            f"moving the {label!r} {kind} of {path.name} did not change the figure within {REDRAW_TIMEOUT_MS // 1000} s",
            page.wait_for_function,
            """([panel, old]) => { const img = panel.querySelector('.widget-output img');
                                   return img !== null && img.src !== old; }""",
            arg=[handle, before],
            timeout=REDRAW_TIMEOUT_MS,
        )
        redraw = time.perf_counter() - moved
        after = panel.locator(FIGURE).first.get_attribute("src")
        panel.screenshot(path=str(shots) + "-3-panel-after.png")
        assert after != before, f"moving the {label} {kind} of {path.name} did not change the figure"
        assert after.startswith("data:image/")
        status = panel.locator(".widget-html").last.inner_text()
        RESULTS.append(
            f"{path.name}: opened and ran all {cells} code cells in {ran:.1f} s; moving the {label!r} "
            f"{kind} redrew the figure in {redraw:.1f} s (panel status: {status.strip()!r})"
        )
        assert not console_errors, f"JavaScript errors in the page: {console_errors[:3]}"
    except Exception:
        page.screenshot(path=str(shots) + "-failure.png")
        raise
    finally:
        context.close()
