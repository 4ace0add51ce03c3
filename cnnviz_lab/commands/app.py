"""``cnnviz app``: the course's panels as a web app on 127.0.0.1 (Voila, no code shown)."""

from __future__ import annotations

import argparse

from .. import app


def _app(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ValueError(f"--port {args.port}: choose a port from 1 to 65535")
    if not app.voila_available():
        raise ValueError("the app view needs Voila, which is not installed: pip install 'cnnviz-lab[web]' (or run `make app`)")
    return app.serve(port=args.port, open_browser=args.browser, offline=not args.online, preheat=not args.no_preheat)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="serve the panels as a web app on 127.0.0.1 (Voila, no code)",
        description="Serve the app view of the course on http://127.0.0.1:PORT/: pick a photo "
        "or upload one, a model, a method family and method, a class and a layer; "
        "the map, the overlay and the prediction update. Needs the web extra "
        "(pip install 'cnnviz-lab[web]'). Ctrl-C stops it.",
    )
    p.add_argument("--port", type=int, default=app.DEFAULT_PORT, help=f"port (default {app.DEFAULT_PORT})")
    p.add_argument("--browser", action="store_true", help="open a web browser on the app")
    p.add_argument("--online", action="store_true", help="let the model menu download weights that are not cached (default: offline)")
    p.add_argument("--no-preheat", action="store_true", help="start each visitor's kernel on arrival (default: one kernel waits with the panel drawn)")
    p.set_defaults(func=_app)
