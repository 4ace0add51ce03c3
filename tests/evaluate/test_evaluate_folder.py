"""``cnnviz evaluate DIR``: one row per image, method and metric, equal to the library's own
calls; resume after an interrupt (no row lost, none doubled); two gloo processes under
torchrun give the single-process file; boxes from JSON and Pascal VOC; summary and plot;
every user error one line and exit 2."""

from __future__ import annotations

import csv
import json
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

import cnnviz_lab as cv
from cnnviz_lab.cli import main
from cnnviz_lab.evaluate import folder as folder_mod
from cnnviz_lab.evaluate.folder_data import Geometry, list_images, read_boxes
from evalkit import make_folder, tiny

ROOT = Path(__file__).resolve().parents[2]
BASE = ["--model", "evalkit:tiny", "--size", "32", "--batch-size", "2", "--workers", "0"]


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def _run(capsys, argv: list[str]) -> str:
    status = main(argv)
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def test_rows_are_the_library_values(capsys, tmp_path):
    names = make_folder(tmp_path / "imgs", 3)
    (tmp_path / "imgs" / "notes.txt").write_text("not an image")
    out = tmp_path / "r.csv"
    said = _run(capsys, ["evaluate", str(tmp_path / "imgs"), "--methods", "gradcam,saliency", "--metrics", "deletion,average_drop", "--out", str(out), *BASE])
    assert "skipped 1 file(s) that are not images (e.g. notes.txt)" in said
    rows = _rows(out)
    assert rows[0] == ["image", "method", "metric", "value", "target"]
    body = rows[1:]
    assert len(body) == 3 * 2 * 2 and len({tuple(r[:3]) for r in body}) == len(body)
    assert body == sorted(body, key=lambda r: r[:3])
    # the library on the same images: batch b (of 2) uses seed 0 + b
    clf = cv.wrap_model(tiny(), input_size=32, device="cpu")
    for i, name in enumerate(names):
        x = clf.preprocess(tmp_path / "imgs" / name, size=32)
        target = int(clf.logits(x).argmax(1))
        for method in ("gradcam", "saliency"):
            maps = cv.evaluate.method_map(cv.attribution.registry.call(method, clf, x, [target], offered={"seed": i // 2}), 1, 3)
            want = {
                "deletion": float(cv.deletion_auc(clf, x, maps, [target], seed=i // 2)),
                "average_drop": float(cv.evaluate.average_drop(clf, x, maps, [target])),
            }
            for metric, value in want.items():
                row = next(r for r in body if r[:3] == [name, method, metric])
                assert abs(float(row[3]) - value) < 1e-6 and row[4] == str(target)


class Interrupt(KeyboardInterrupt):
    pass


def test_an_interrupted_run_resumes_without_losing_or_doubling_rows(capsys, tmp_path, monkeypatch):
    make_folder(tmp_path / "imgs", 5)
    argv = ["evaluate", str(tmp_path / "imgs"), "--methods", "saliency", "--metrics", "deletion,insertion", *BASE]
    whole = tmp_path / "whole.csv"
    _run(capsys, argv + ["--out", str(whole)])
    # interrupt in the middle of the second batch
    out = tmp_path / "r.csv"
    real = folder_mod.METRICS["insertion"]
    calls = []

    def boom(ctx):
        calls.append(1)
        if len(calls) == 2:
            raise Interrupt()
        return real.fn(ctx)

    monkeypatch.setitem(folder_mod.METRICS, "insertion", folder_mod.FolderMetric("insertion", boom, real.label, real.better))
    assert main(argv + ["--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    part = folder_mod.part_path(out, 0)
    assert part.exists() and len(_rows(part)) == 1 + 2 * 2  # the first batch is safe on disk
    with open(part, "a") as f:
        f.write("im2.png,saliency,dele")  # a row cut by the interrupt
    monkeypatch.setitem(folder_mod.METRICS, "insertion", real)
    said = _run(capsys, argv + ["--out", str(out)])
    assert "4 from an earlier run" in said and "6 new row(s)" in said
    assert out.read_bytes() == whole.read_bytes()
    assert not part.exists()
    # a finished file: nothing to do, nothing doubled
    said = _run(capsys, argv + ["--out", str(out)])
    assert "0 new row(s)" in said and out.read_bytes() == whole.read_bytes()
    # a new metric adds its rows only
    said = _run(capsys, argv[:5] + ["deletion,insertion,average_drop"] + argv[6:] + ["--out", str(out)])
    assert "5 new row(s)" in said and len(_rows(out)) == 1 + 15


def _env() -> dict[str, str]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]), OMP_NUM_THREADS="1", CNNVIZ_OFFLINE="1", CNNVIZ_QUICK="1", MPLBACKEND="Agg"
    )
    return env


def _cli(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command in its own process group; on a timeout the whole group is killed."""
    proc = subprocess.Popen([sys.executable, "-m", *args], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_two_gloo_processes_under_torchrun_give_the_single_process_file(tmp_path):
    make_folder(tmp_path / "imgs", 5)
    common = [
        "evaluate",
        str(tmp_path / "imgs"),
        "--methods",
        "gradcam,saliency",
        "--metrics",
        "deletion,faithfulness_correlation",
        "--device",
        "cpu",
        *BASE[:-2],
        "--workers",
        "1",
    ]
    one = _cli(["cnnviz_lab.cli", *common, "--out", str(tmp_path / "one.csv")])
    assert one.returncode == 0, one.stderr
    two = _cli(["torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "cnnviz_lab.cli", *common, "--out", str(tmp_path / "two.csv")])
    assert two.returncode == 0, two.stderr
    assert "2 processes" in two.stdout and two.stdout.count("wrote ") == 1  # rank 0 speaks
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert len(_rows(tmp_path / "two.csv")) == 1 + 5 * 2 * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imgs", "one.csv", "two.csv"]  # no part left


def test_imagefolder_voc_boxes_target_folder_summary_and_plot(capsys, tmp_path):
    names = make_folder(tmp_path / "imgs", 4, classes=("class 1", "class 3"))
    voc = tmp_path / "voc"
    voc.mkdir()
    for n in names:
        stem = n.split("/")[1]
        (voc / f"{stem}.xml").write_text(
            f"<annotation><filename>{stem}</filename><size><width>48</width><height>40</height></size>"
            "<object><name>thing</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>48</xmax><ymax>40</ymax>"
            "</bndbox></object></annotation>"
        )
    out, summ, plot = tmp_path / "r.csv", tmp_path / "s.csv", tmp_path / "s.png"
    said = _run(
        capsys,
        [
            "evaluate",
            str(tmp_path / "imgs"),
            "--methods",
            "gradcam",
            "--metrics",
            "pointing,increase_in_confidence",
            "--boxes",
            str(voc),
            "--target",
            "folder",
            "--out",
            str(out),
            "--summary",
            str(summ),
            "--plot",
            str(plot),
            *BASE,
        ],
    )
    rows = _rows(out)[1:]
    assert {r[0] for r in rows} == set(names)
    assert all(r[4] == ("1" if r[0].startswith("class 1") else "3") for r in rows)  # the folder's class
    assert all(float(r[3]) == 1.0 for r in rows if r[2] == "pointing")  # the box is the image
    summary = _rows(summ)
    assert summary[0] == ["method", "metric", "images", "mean", "std", "min", "max", "better"]
    for line in summary[1:]:
        values = [float(r[3]) for r in rows if r[1] == line[0] and r[2] == line[1]]
        assert int(line[2]) == len(values) == 4
        assert abs(float(line[3]) - statistics.mean(values)) < 1e-7
        assert abs(float(line[4]) - statistics.stdev(values)) < 1e-7
    assert "pointing" in said and "higher" in said  # the printed table
    assert plot.stat().st_size > 5000


def test_json_boxes_are_moved_into_the_crop():
    # a 48x40 image, side 32, resize 37: shorter side 40 -> 37, longer 48 -> 44; crop 32 at (6, 2)
    g = Geometry(32, 37, (0.5,) * 3, (0.5,) * 3)
    box = g.boxes([(12.0, 10.0, 36.0, 30.0)], 48, 40)[0]
    s = 37 / 40
    for got, want in zip(box, (12 * 44 / 48 - 6, 10 * s - 2, 36 * 44 / 48 - 6, 30 * s - 2)):
        assert abs(got - want) < 1e-9
    assert g.boxes([(0.0, 0.0, 3.0, 3.0)], 48, 40) == []  # cropped away
    assert g.boxes([(0.0, 0.0, 48.0, 40.0)], 48, 40) == [(0, 0, 32, 32)]


def test_read_boxes_json_forms(tmp_path):
    p = tmp_path / "b.json"
    p.write_text(json.dumps({"a.png": {"cat": [[1, 2, 3, 4]], "dog": [[0, 0, 5, 5], [1, 1, 2, 2]]}, "b.png": [[1, 1, 4, 4]], "c.png": [0, 0, 2, 2]}))
    table = read_boxes(p)
    assert table == {"a.png": [(1, 2, 3, 4), (0, 0, 5, 5), (1, 1, 2, 2)], "b.png": [(1, 1, 4, 4)], "c.png": [(0, 0, 2, 2)]}


def test_list_images_flat_and_imagefolder(tmp_path):
    make_folder(tmp_path / "flat", 2)
    (tmp_path / "flat" / "x.png").write_bytes(b"not a png")
    listing = list_images(tmp_path / "flat")
    assert listing.names == ("im0.png", "im1.png") and listing.skipped == ("x.png",)
    make_folder(tmp_path / "tree", 3, classes=("b", "a"))
    assert list_images(tmp_path / "tree").classes == ("a", "b", "b")


# --- user errors ----------------------------------------------------------------------------
def _user_error(capsys, argv: list[str], *words: str) -> str:
    status = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert status == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("cnnviz evaluate: error: "), captured.err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def imgs(tmp_path) -> Path:
    make_folder(tmp_path / "imgs", 2)
    return tmp_path / "imgs"


def test_user_errors_are_one_line_and_exit_2(capsys, tmp_path, imgs):
    out = ["--out", str(tmp_path / "r.csv")]
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("x")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"im0.png": [[0, 0, 4, 4]]}))
    cases = [
        ([str(tmp_path / "nowhere")], ["no such folder", "nowhere"]),
        ([str(tmp_path / "empty")], ["no images in", "empty"]),
        ([str(tmp_path / "junk")], ["no images in", "a.txt"]),
        ([str(bad_json)], ["is a file"]),
        ([str(imgs), "--methods", "gradcamm"], ["unknown method 'gradcamm'", "gradcam"]),
        ([str(imgs), "--metrics", "deletoin"], ["unknown metric 'deletoin'", "deletion"]),
        ([str(imgs), "--metrics", "pointing"], ["pointing", "--boxes"]),
        ([str(imgs), "--metrics", "pointing", "--boxes", str(partial)], ["no boxes for 1 image", "im1.png"]),
        ([str(imgs), "--metrics", "pointing", "--boxes", str(bad_json)], ["not a JSON file", "bad.json"]),
        ([str(imgs), "--metrics", "pointing", "--boxes", str(tmp_path / "none.json")], ["no such boxes file"]),
        ([str(imgs), "--target", "folder"], ["ImageFolder"]),
        ([str(imgs), "--target", "7"], ["target 7", "5 classes"]),
        ([str(imgs), "--batch-size", "0"], ["batch_size"]),
        ([str(imgs), "--summary", str(tmp_path / "s.txt")], ["--summary", ".csv"]),
        ([str(imgs), "--plot", str(tmp_path / "p.csv")], ["--plot", ".png"]),
        ([str(imgs), "--model", "evalkit:nothing"], ["--model evalkit:nothing", "cannot import"]),
    ]
    for argv, words in cases:
        _user_error(capsys, ["evaluate", argv[0], *BASE, *argv[1:], *out], *words)
        assert not (tmp_path / "r.csv").exists()
    _user_error(capsys, ["evaluate", str(imgs), *BASE, "--out", str(tmp_path / "r.txt")], "--out", ".csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    _user_error(capsys, ["evaluate", str(imgs), *BASE, "--out", str(tmp_path / "other.csv")], "not a results file")
    assert (tmp_path / "other.csv").read_text() == "a,b\n1,2\n"


def test_a_cut_last_line_is_removed_however_long(tmp_path):
    p = tmp_path / "part.csv"
    whole = "image,method,metric,value,target\n" + "a.png,m,k,0.5,1\n" * 5000
    p.write_text(whole + "b.png,m,k," + "9" * 70000)  # the cut line spans two 64 KiB blocks
    folder_mod._clean_tail(p)
    assert p.read_text() == whole
    folder_mod._clean_tail(p)  # a whole file is left alone
    assert p.read_text() == whole
