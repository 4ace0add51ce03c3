"""How fast a course panel answers a widget change, with the offline model on this machine.

Target (issue 7): a widget change that recomputes saliency or Grad-CAM with the offline
model answers in under a second on a CPU. Every ``cv.widgets.*_panel`` that redraws on
change (no "run" button) is built with its defaults; then each of its controls except the
model menu is moved a few times and the time of the redraw (``Panel.last_seconds``:
compute + draw the figure) is recorded. Panels behind a button (optimisation runs) are
listed but not timed unless ``--all``.

Usage: ``python benchmarks/bench_widgets.py [--repeats 3] [--all] [--quick]``. Prints one
row per panel and control: first draw, median redraw, and whether it meets the 1 s target.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import os
import platform
import statistics
import time

TARGET_S = 1.0


def _next_value(widget):
    """Another valid value for a control (the next option, one step on), or None."""
    import ipywidgets as W

    if isinstance(widget, (W.Dropdown, W.SelectionSlider, W.ToggleButtons, W.RadioButtons, W.Select)):
        options = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        values = list(getattr(widget, "_options_values", options))
        if len(values) < 2:
            return None
        i = values.index(widget.value) if widget.value in values else 0
        return values[(i + 1) % len(values)]
    if isinstance(widget, (W.IntRangeSlider, W.FloatRangeSlider)):
        lo, hi = widget.value
        step = widget.step or 1
        if hi + step <= widget.max:
            return (lo + step, hi + step) if lo + step < hi + step else None
        return (lo - step, hi - step) if lo - step >= widget.min else None
    if isinstance(widget, (W.IntSlider, W.FloatSlider, W.BoundedIntText, W.BoundedFloatText)):
        step = getattr(widget, "step", 1) or 1
        up = widget.value + step
        return up if up <= widget.max else widget.value - step
    if isinstance(widget, (W.Checkbox, W.ToggleButton)):
        return not widget.value
    return None


def bench_panel(name: str, factory, repeats: int, run_buttons: bool) -> list[tuple]:
    rows = []
    with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook, display() prints
        start = time.perf_counter()
        panel = factory()
        first = time.perf_counter() - start
    if panel.button is not None and not run_buttons:
        return [(name, "(run button)", first, None, "not timed: pass --all")]
    for label, widget in panel.controls.items():
        if label == "model":
            continue  # switching models measures weight loading, not the widget
        times = []
        for _ in range(repeats):
            value = _next_value(widget)
            if value is None:
                break
            with contextlib.redirect_stdout(io.StringIO()):
                widget.value = value
                if panel.button is not None:
                    panel.update()
            times.append(panel.last_seconds)
        if times:
            med = statistics.median(times)
            rows.append((name, label, first, med, "yes" if med < TARGET_S else "NO"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="redraws timed per control")
    parser.add_argument("--all", action="store_true", help="also time panels behind a run button")
    parser.add_argument("--quick", action="store_true", help="CNNVIZ_QUICK=1 (small images, few steps)")
    args = parser.parse_args()
    if args.quick:
        os.environ["CNNVIZ_QUICK"] = "1"
    os.environ.setdefault("CNNVIZ_OFFLINE", "1")
    import torch

    import cnnviz_lab as cv
    import cnnviz_lab.widgets as widgets

    print(
        f"bench_widgets: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU threads visible, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), device "
        f"{cv.resolve_device('auto')}, quick mode {cv.quick()}; figures as measured (a shared machine)"
    )
    panels = sorted((n, f) for n, f in vars(widgets).items() if n.endswith("_panel") and inspect.isfunction(f))
    print(f"{'panel':28s} {'control':12s} {'first draw':>10s} {'redraw (median)':>16s}  under {TARGET_S:.0f} s")
    failures = 0
    for name, factory in panels:
        try:
            rows = bench_panel(name, factory, args.repeats, args.all)
        except Exception as err:  # report and go on: one broken panel should not hide the others
            print(f"{name:28s} failed: {type(err).__name__}: {err}")
            failures += 1
            continue
        for panel, control, first, med, ok in rows:
            med_s = f"{med:14.3f} s" if med is not None else f"{'-':>16s}"
            print(f"{panel:28s} {control:12s} {first:8.3f} s {med_s}  {ok}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
