"""Every notebook, run in quick mode under :class:`deviceaudit.DeviceAudit`, does nothing a GPU
would refuse: no operation mixes tensors on the model's device with tensors left on the host,
no device tensor goes to NumPy without ``.cpu()``. On a GPU machine (2026-12-06) notebooks
00-05 stopped at such mixes; this test finds them on a CPU. The audit's own rules are tested
in tests/core/test_device_audit.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
START = (
    f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
    "import deviceaudit\n_audit = deviceaudit.DeviceAudit()\ndeviceaudit.install(_audit)\n_audit.__enter__()"
)
REPORT = "import json\n_audit.__exit__(None, None, None)\nprint('AUDIT' + json.dumps(_audit.findings))"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_a_notebook_does_nothing_a_gpu_would_refuse(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells = [nbformat.v4.new_code_cell(START)] + [c for c in nb.cells if c.cell_type == "code"] + [nbformat.v4.new_code_cell(REPORT)]
    for cell in nb.cells:
        cell.outputs = []
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    findings = json.loads(text.split("AUDIT", 1)[1])
    assert not findings, "\n".join(f"{where} -> {what}" for where, what in findings.items())


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
