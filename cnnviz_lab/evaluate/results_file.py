"""The results file of a folder evaluation: CSV rows ``image,method,metric,value,target``,
appended per batch in one flushed write (a cut last line is dropped on restart), read back to
resume, and merged from the processes' part files by streaming, sorted by (image, method,
metric), into the output file, replaced atomically."""

from __future__ import annotations

import csv
import heapq
import io
import os
from pathlib import Path
from typing import Iterator, Sequence

COLUMNS = ("image", "method", "metric", "value", "target")


def _rows(path: Path) -> Iterator[tuple[str, ...]]:
    """The rows of a results file written by :func:`merge` (whole lines only), header
    skipped, read line by line."""
    yield from _stream(path)


def check_results_file(path: str | os.PathLike) -> None:
    """Refuse to resume into a file that is not a results CSV of this command (it would be
    rewritten): ``ValueError`` naming it. A missing or empty file is fine."""
    p = Path(path).expanduser()
    if not p.exists() or p.stat().st_size == 0:
        return
    if p.is_dir():
        raise ValueError(f"--out {p} is a folder; give a .csv file name")
    with open(p, newline="", encoding="utf-8", errors="replace") as f:
        header = next(csv.reader(f), None)
    if header is None or tuple(header) != COLUMNS:
        raise ValueError(
            f"--out {p}: not a results file of cnnviz evaluate (its columns are not {','.join(COLUMNS)}); choose another file name, it is left as it is"
        )


def _stream(path: Path) -> Iterator[tuple[str, ...]]:
    """Rows of a file read line by line (for merging without loading it whole)."""
    if not path.exists():
        return
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        if tuple(header) != COLUMNS:
            raise ValueError(f"{path}: not a results file of cnnviz evaluate (columns {header})")
        for row in reader:
            if len(row) == len(COLUMNS):
                yield tuple(row)


def _key(row: tuple[str, ...]) -> tuple[str, str, str]:
    return row[0], row[1], row[2]


def part_path(out: Path, rank: int) -> Path:
    """Where process ``rank`` writes its rows before the merge."""
    return out.with_name(f".{out.name}.rank{rank}.part")


def _append(path: Path, rows: list[tuple[str, ...]]) -> None:
    """Append ``rows`` in one write, flushed to disk (a header first for a new file)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    new = not path.exists() or path.stat().st_size == 0
    if new:
        w.writerow(COLUMNS)
    w.writerows(rows)
    with open(path, "a", newline="", encoding="utf-8") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())


def _clean_tail(path: Path) -> None:
    """Cut a last line left without its newline by an interrupt (reading the file's tail only)."""
    if not path.exists():
        return
    with open(path, "rb+") as f:
        end = f.seek(0, os.SEEK_END)
        pos = end
        while pos > 0:
            start = max(0, pos - 65536)
            f.seek(start)
            block = f.read(pos - start)
            if pos == end and block.endswith(b"\n"):
                return
            cut = block.rfind(b"\n")
            if cut >= 0:
                f.truncate(start + cut + 1)
                return
            pos = start
        f.truncate(0)


def merge(out: Path, parts: Sequence[Path]) -> int:
    """Merge the sorted results file ``out`` and the sorted ``parts`` into ``out`` (streaming,
    sorted by (image, method, metric), a triple kept once), replaced atomically; the parts
    are removed. Returns the number of rows."""
    sources = [p for p in (out, *parts) if p.exists()]
    for p in sources:
        _clean_tail(p)
    tmp = out.with_name(f".{out.name}.merging")
    count, last = 0, None
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in heapq.merge(*(_stream(p) for p in sources), key=_key):
            if _key(row) != last:
                w.writerow(row)
                count += 1
                last = _key(row)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out)
    for p in parts:
        if p.exists():
            p.unlink()
    return count


# --- distributed --------------------------------------------------------------------------------


__all__ = ["COLUMNS", "check_results_file", "merge", "part_path"]
