"""Your own photo in every panel that takes an image: an upload button beside the image menu.

``W.FileUpload`` hands over its files differently in the two ipywidgets versions students
meet: ipywidgets 7 (Colab) gives ``{name: {"metadata": {...}, "content": bytes}}``,
ipywidgets 8 (JupyterLab 4, Binder) a tuple of ``{"name": ..., "content": memoryview, ...}``.
:func:`uploaded_files` reads both; :func:`add_upload` decodes each file (a file that is not
an image, or is truncated, raises one ``ValueError`` naming it) and adds it to the images
every panel's menu offers, under ``"your photo: <name>"``. :func:`image_picker` is the menu
with its upload button and the line where it reports what happened.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import ipywidgets as W
from PIL import Image

from ..images.loading import _decode, load_image, sample_image, sample_images

PREFIX = "your photo: "
#: Uploaded images by menu value (``"your photo: cat.jpg"``), shared by all panels.
UPLOADS: dict[str, Image.Image] = {}


def _content(content: Any, name: str) -> bytes:
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    raise TypeError(f"upload {name!r}: content must be bytes or a memoryview, got {type(content).__name__}")


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """The files of a ``FileUpload`` value as ``[(file name, bytes)]``, in upload order.

    Takes the ipywidgets 7 value (a dict ``{name: {"metadata": {"name": ...}, "content":
    bytes}}``), the ipywidgets 8 value (a tuple of dicts with ``"name"`` and ``"content"``,
    a ``memoryview``), or an empty value (``{}``, ``()``, None: no files). Anything else
    raises ``TypeError`` naming what was given."""
    if value is None:
        return []
    if isinstance(value, Mapping):  # ipywidgets 7
        files = []
        for key, entry in value.items():
            if not isinstance(entry, Mapping) or "content" not in entry:
                raise TypeError(f"upload {key!r}: expected {{'metadata': ..., 'content': bytes}} (ipywidgets 7), got {type(entry).__name__}")
            name = str((entry.get("metadata") or {}).get("name") or key)
            files.append((name, _content(entry["content"], name)))
        return files
    if isinstance(value, (tuple, list)):  # ipywidgets 8
        files = []
        for i, entry in enumerate(value):
            if not isinstance(entry, Mapping) or "content" not in entry:
                raise TypeError(f"upload {i}: expected a dict with 'name' and 'content' (ipywidgets 8), got {type(entry).__name__}")
            name = str(entry.get("name") or f"upload {i + 1}")
            files.append((name, _content(entry["content"], name)))
        return files
    raise TypeError(f"value: expected a FileUpload value (a dict in ipywidgets 7, a tuple of dicts in ipywidgets 8), got {type(value).__name__}")


def decode_upload(name: str, data: bytes) -> Image.Image:
    """The uploaded file ``name`` as an RGB image (as :func:`~cnnviz_lab.load_image` reads
    files). An empty file, a file that is not an image or a truncated one raises
    ``ValueError`` naming ``name``."""
    if not data:
        raise ValueError(f"{name} is empty: upload a JPEG or PNG photo")
    img = _decode(lambda: Image.open(io.BytesIO(data)), name)
    return load_image(img)


def add_upload(name: str, data: bytes) -> str:
    """Decode an uploaded file and offer it to every panel's image menu; returns its menu
    value, ``"your photo: <name>"`` (``"... (2)"`` when another image has that name)."""
    img = decode_upload(name, data)
    key, n = PREFIX + name, 1
    while key in UPLOADS and UPLOADS[key].tobytes() != img.tobytes():
        n += 1
        key = f"{PREFIX}{name} ({n})"
    UPLOADS[key] = img
    return key


def panel_image(name: str) -> Image.Image:
    """The image a panel's menu value names: an uploaded photo, else a bundled sample."""
    if name in UPLOADS:
        return UPLOADS[name]
    return sample_image(name)


def image_options() -> list[str]:
    """What an image menu offers: the bundled samples, then the photos uploaded so far."""
    return sample_images() + list(UPLOADS)


def handle_upload(value: Any, menu: W.Dropdown, message: W.HTML) -> list[str]:
    """Add the files of an upload value to ``menu`` and select the last good one; report
    each file in ``message`` (a clear sentence, never a traceback). Returns the new values."""
    added, problems = [], []
    try:
        files = uploaded_files(value)
    except TypeError as err:
        files, problems = [], [str(err)]
    for name, data in files:
        try:
            added.append(add_upload(name, data))
        except ValueError as err:
            problems.append(f"{err}. Upload a JPEG or PNG photo.")
        except Exception as err:  # a file can fail in ways no decoder documents
            problems.append(f"{name} could not be read ({type(err).__name__}: {err}). Upload a JPEG or PNG photo.")
    if added:
        menu.options = list(dict.fromkeys([*menu.options, *added]))
        menu.value = added[-1]
    lines = [f"<span style='color:#b00020'>{_escape(p)}</span>" for p in problems]
    lines += [f"uploaded <b>{_escape(k[len(PREFIX) :])}</b> ({UPLOADS[k].width}x{UPLOADS[k].height}): chosen in the image menu" for k in added]
    message.value = "<br>".join(lines)
    return added


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def image_picker(value: str = "cat") -> W.Dropdown:
    """An image menu (samples and uploaded photos) with an upload button for your own photo
    (``menu.upload``, ``accept="image/*"``) and the line that reports uploads
    (``menu.message``); a :class:`~cnnviz_lab.widgets.Panel` shows both under its controls."""
    options = image_options()
    if value not in options:
        raise ValueError(f"image: {value!r} is neither a sample image nor an uploaded photo; choose from {', '.join(options)}")
    menu = W.Dropdown(options=options, value=value, description="image")
    upload = W.FileUpload(accept="image/*", multiple=False, description="your photo")
    message = W.HTML()
    upload.observe(lambda change: handle_upload(change["new"], menu, message), names="value")
    menu.upload, menu.message = upload, message
    menu.extras = (upload, message)
    return menu


__all__ = ["PREFIX", "UPLOADS", "add_upload", "decode_upload", "handle_upload", "image_options", "image_picker", "panel_image", "uploaded_files"]
