#!/usr/bin/env bash
# Start JupyterLab on the course: what `make lab` runs (and what tests/project/test_make_lab.py runs).
#
# - The file browser opens in notebooks/, which holds only the numbered course notebooks.
# - As root (Docker containers, cloud VMs, CI runners) JupyterLab refuses to start unless
#   told --allow-root: passed when `id -u` is 0.
# - No display (no $DISPLAY or $WAYLAND_DISPLAY on Linux): no browser is opened, the URL with
#   its token is printed instead. Extra arguments go to `jupyter lab` (e.g. --port=8890,
#   --ip=0.0.0.0 inside a container, --no-browser).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JUPYTER="${JUPYTER:-$ROOT/.venv/bin/jupyter}"
args=(lab "--ServerApp.root_dir=$ROOT/notebooks")
if [ "$(id -u)" = 0 ]; then
  args+=(--allow-root)
fi
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  args+=(--no-browser)
fi
echo "Starting JupyterLab on the course in $ROOT/notebooks."
echo "Open the address printed below (http://127.0.0.1:PORT/lab?token=...) in a browser; Ctrl-C stops the server."
exec "$JUPYTER" "${args[@]}" "$@"
