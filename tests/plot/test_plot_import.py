"""Importing the package has no side effect on the user's IPython shell."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import matplotlib.figure
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import cnnviz_lab, cnnviz_lab.plot, cnnviz_lab.widgets
png = shell.display_formatter.formatters["image/png"]
try:
    png.lookup_by_type(matplotlib.figure.Figure)
    print("registered")
except KeyError:
    print("clean")
fig = cnnviz_lab.plot.image_grid([__import__("numpy").zeros((4, 4, 3))])
data, _ = shell.display_formatter.format(fig)
print("ours-png" if data.get("image/png", b"")[:4] == b"\\x89PNG" else "ours-missing")
"""


def test_importing_the_package_registers_no_formatter_and_our_figures_still_show():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["clean", "ours-png"], out.stdout + out.stderr
