"""What the web builds do to a stored notebook before rendering it (never to the file).

A widget output is rendered by the widget renderer from the widget state stored in the
notebook's metadata (``metadata.widgets``). Where that state is missing, the output would
show its Python repr (``Panel(children=(...``) or a progress bar frozen at its start. So:
a course panel without stored state shows the figure it stored beside the widget
(``image/png``, :meth:`cnnviz_lab.widgets.Panel._repr_mimebundle_`), followed by a short
note that says where its controls work (the app view, JupyterLab, Colab or Binder); any
other widget output without state (a tqdm bar) is dropped. Panels with stored state are kept: the renderer draws them as static panels
showing their first figure.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PANEL_CALL = re.compile(r"\bcv\.widgets\.(\w+_panel)\(")
APP_URL = "http://127.0.0.1:8866/"
BADGES_DIR = Path(__file__).resolve().parent / "badges"
#: The badge images the notebooks load from Colab and Binder, and the local copies drawn instead
#: (a page must not fetch anything from outside; the badges' links stay as they are).
BADGES = {"https://colab.research.google.com/assets/colab-badge.svg": "colab.svg", "https://mybinder.org/badge_logo.svg": "binder.svg"}


@dataclass
class Prepared:
    """A notebook ready for the web, and what was changed to get there."""

    nb: nbformat.NotebookNode
    static_panels: int = 0  # widget outputs drawn from stored state
    panel_notes: list[str] = field(default_factory=list)  # panels without state, shown as a note
    panel_figures: int = 0  # of those, panels whose stored figure (image/png) is shown above the note
    dropped: int = 0  # other widget outputs without state (progress bars)


def stored_models(nb: nbformat.NotebookNode) -> set[str]:
    """The ids of the widget models whose state the notebook stores."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return set(state)


def panel_note(name: str, app_url: str = APP_URL) -> str:
    """The HTML shown instead of a panel whose widget state was not stored."""
    return (
        f'<div class="cnnviz-panel-note"><strong>Interactive panel</strong> (<code>{html.escape(name)}</code>): '
        "its controls need a running Python kernel. Open this notebook in JupyterLab, on Colab or on "
        f'Binder, or run <code>make app</code> and open the <a href="{html.escape(app_url)}">app view</a>.</div>'
    )


def prepare(nb: nbformat.NotebookNode, app_url: str = APP_URL, badges: str | None = None) -> Prepared:
    """A copy of ``nb`` whose widget outputs all render without a kernel (see the module doc);
    with ``badges`` (a relative URL of a folder holding :data:`BADGES_DIR`'s files), the Colab
    and Binder badge images come from there."""
    nb = copy.deepcopy(nb)
    if badges is not None:
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for remote, local in BADGES.items():
                    cell.source = cell.source.replace(remote, f"{badges.rstrip('/')}/{local}")
    models = stored_models(nb)
    out = Prepared(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                kept.append(output)
            elif view.get("model_id") in models:
                out.static_panels += 1
                kept.append(output)
            elif (match := PANEL_CALL.search(cell.source)) is not None:
                out.panel_notes.append(match.group(1))
                if "image/png" in output.get("data", {}):  # the panel's figure, stored beside the widget
                    figure = copy.deepcopy(output)
                    figure["data"] = {k: v for k, v in output["data"].items() if k in ("image/png", "text/plain")}
                    figure["output_type"] = "display_data"
                    figure.pop("execution_count", None)
                    kept.append(figure)
                    out.panel_figures += 1
                kept.append(
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            "text/html": panel_note(match.group(1), app_url),
                            "text/plain": f"Interactive panel {match.group(1)}: run the notebook to use it.",
                        },
                    )
                )
            else:
                out.dropped += 1
        cell.outputs = kept
    return out


def uses_mermaid(nb: nbformat.NotebookNode) -> bool:
    """Whether a cell draws a mermaid diagram (the web builds ship no mermaid)."""
    return any("```mermaid" in c.source or "text/vnd.mermaid" in str(c.get("outputs", "")) for c in nb.cells)
