import subprocess
import sys

import pytest

from cnnviz_lab.cli import main


def test_predict_prints_top_classes(capsys):
    assert main(["predict", "data/coffee.png", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("model: EfficientNet-Lite0 (") and lines[1].startswith("1. espresso")


def test_features_and_filters_write_pngs(tmp_path):
    assert main(["features", "data/chelsea.png", "--layer", "blocks.2", "--count", "8", "--out", str(tmp_path / "f.png")]) == 0
    assert main(["filters", "--out", str(tmp_path / "w.png")]) == 0
    assert (tmp_path / "f.png").stat().st_size > 1000 and (tmp_path / "w.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, said",
    [
        (["saliency", "data/chelsea.png", "--method", "deconv", "--size", "64"], "Deconvnet map for class"),
        (["gradcam", "data/coffee.png", "--method", "HiResCAM", "--top", "2"], "1. espresso"),
        (["gradcam", "data/coffee.png", "--method", "xgradcam", "--target", "cup"], "wrote"),
        (["gradcam", "data/coffee.png", "--method", "eigencam", "--top", "2"], "1. espresso"),
        (["gradcam", "data/coffee.png", "--method", "ablation-cam", "--top", "1"], "1. espresso"),
        (["occlusion", "data/coffee.png", "--method", "rise", "--size", "64", "--n", "8"], "RISE map for class"),
        (["occlusion", "data/coffee.png", "--method", "lime", "--size", "64", "--n", "8", "--seed", "3"], "LIME map for class"),
    ],
)
def test_the_peer_methods_from_the_command_line(capsys, tmp_path, argv, said):
    out = tmp_path / "m.png"
    assert main(argv + ["--out", str(out)]) == 0
    assert said in capsys.readouterr().out and out.stat().st_size > 1000


def test_occlusion_offers_the_perturbation_family_only(capsys, tmp_path):
    assert main(["occlusion", "data/coffee.png", "--method", "gradcam", "--out", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "choose from occlusion, rise, lime" in err


def test_errors_are_clear_and_exit_2(capsys):
    assert main(["features", "data/chelsea.png", "--layer", "blocks.99"]) == 2
    assert "Closest: blocks.9" in capsys.readouterr().err
    assert main(["predict", "missing.png"]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "cnnviz_lab.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "predict" in out.stdout and "features" in out.stdout


# --- user errors: one line on stderr, exit 2, nothing written; bugs: a traceback, exit 1 ----
import os  # noqa: E402
from pathlib import Path  # noqa: E402


import cnnviz_lab.commands as commands  # noqa: E402

CAT = "data/chelsea.png"


@pytest.fixture
def truncated(tmp_path) -> str:
    data = Path(CAT).read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 3])
    return str(path)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _user_error(capsys, argv: list[str], *words: str) -> str:
    """Run ``cnnviz argv`` in-process: exit status 2, one stderr line naming ``words``."""
    status = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert status == 2, captured.err
    assert len(lines) == 1, f"expected one line, got:\n{captured.err}"
    assert lines[0].startswith(f"cnnviz {argv[0]}: error: ") if argv else True
    assert "Traceback" not in captured.err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["saliency", CAT, "--target", "1000"], ["--target 1000", "0..999"]),
        (["saliency", CAT, "--target", "-1"], ["--target -1", "0..999"]),
        (["gradcam", CAT, "--target", "5000"], ["--target 5000", "0..999"]),
        (["occlusion", CAT, "--target", "1000", "--size", "64"], ["--target 1000", "0..999"]),
        (["saliency", CAT, "--target", "tabbyy"], ["--target", "tabby"]),
        (["features", CAT, "--layer", "blocks.2", "--first", "500"], ["--first", "24 channels", "500"]),
        (["features", CAT, "--layer", "blocks.2", "--first", "-1"], ["--first", "24 channels"]),
        (["features", CAT, "--count", "0"], ["--count 0"]),
        (["maximize", "blocks.2:999", "--steps", "1", "--size", "32"], ["blocks.2", "24 channels", "999"]),
        (["maximize", "blocks.2:20-30", "--steps", "1", "--size", "32"], ["blocks.2", "24 channels", "30"]),
        (["maximize", "class:1000", "--steps", "1", "--size", "32"], ["class 1000", "0..999"]),
        (["predict", CAT, "--top", "-1"], ["--top -1", "from 1 to 1000"]),
        (["predict", CAT, "--top", "0"], ["--top 0", "from 1 to 1000"]),
        (["predict", CAT, "--top", "5000"], ["--top 5000", "from 1 to 1000"]),
        (["gradcam", CAT, "--top", "1001"], ["--top 1001", "from 1 to 1000"]),
        (["saliency", CAT, "--top", "-2"], ["--top -2", "from 0 to 1000"]),
        (["predict", "data"], ["data", "is a directory"]),
        (["predict", CAT, "--top", "abc"], ["--top", "invalid int"]),
        (["predict", CAT, "--device", "gpu"], ["--device", "gpu"]),
        (["occlusion", CAT, "--size", "8"], ["--size 8"]),
        (["predict", CAT, "--model", "resnet"], ["unknown model", "resnet18"]),
    ],
)
def test_user_errors_are_one_line_and_exit_2(capsys, tmp_path, argv, words):
    out = tmp_path / "out.png"
    takes_out = argv[0] not in ("predict",)
    _user_error(capsys, argv + (["--out", str(out)] if takes_out else []), *words)
    assert _files(tmp_path) == set(), "a user error still wrote a file"


def test_truncated_image_names_the_path(capsys, tmp_path, truncated):
    line = _user_error(capsys, ["saliency", truncated, "--out", str(tmp_path / "s.png")], truncated, "truncated or corrupt")
    assert "OSError" in line  # what Pillow said, after the path
    assert _files(tmp_path) == {"cut.png"}


@pytest.mark.parametrize("command", [["features", CAT], ["saliency", CAT], ["filters"]])
def test_out_folder_blocked_or_unwritable_is_refused_before_computing(capsys, tmp_path, monkeypatch, command):
    def no_model(*_args, **_kwargs):
        raise AssertionError("the model was loaded: --out must be checked first")

    monkeypatch.setattr(commands, "load_model", no_model)
    existing = tmp_path / "figures"
    existing.mkdir()
    _user_error(capsys, command + ["--out", str(existing)], str(existing), "is a folder")
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    _user_error(capsys, command + ["--out", str(blocker / "sub" / "m.png")], "afile is a file")
    _user_error(capsys, command + ["--out", str(tmp_path / "noext")], "has no extension")
    _user_error(capsys, command + ["--out", str(tmp_path / "m.xyz")], ".xyz")
    if Path("/proc/self").is_dir():  # a folder no one may create files in, root included
        _user_error(capsys, command + ["--out", "/proc/cnnviz-test.png"], "cannot write in /proc")
    assert _files(tmp_path) == {"figures", "afile"}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_out_in_a_read_only_folder_is_refused(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        _user_error(capsys, ["filters", "--out", str(locked / "w.png")], "cannot write in")
    finally:
        locked.chmod(0o700)
    assert not (locked / "w.png").exists()


def test_gallery_out_must_be_a_folder(capsys, tmp_path):
    afile = tmp_path / "page.png"
    afile.write_text("x")
    _user_error(capsys, ["gallery", CAT, "--out", str(afile)], "is a file")
    _user_error(capsys, ["gallery", CAT, "--out", str(tmp_path / "g"), "--only", "99"], "only", "00_predictions")
    assert _files(tmp_path) == {"page.png"}


def test_gallery_honours_model_weights_and_device(capsys, tmp_path, monkeypatch):
    """Issue 13: ``gallery --model resnet18 --weights none`` used to make an EfficientNet-Lite0
    gallery (the options were ignored and weights could silently fall back)."""
    asked = []
    real = commands.load_model

    def spy(name, weights="DEFAULT", device="auto", **kwargs):
        asked.append((name, weights, device, kwargs))
        return real(name, weights=weights, device=device, **kwargs)

    monkeypatch.setattr(commands, "load_model", spy)
    out = tmp_path / "g"
    assert main(["gallery", CAT, "--model", "resnet18", "--weights", "none", "--device", "cpu", "--fast", "--only", "00_pred", "--out", str(out)]) == 0
    assert asked == [("resnet18", None, "cpu", {"fallback": False})]
    assert "<code>resnet18</code>" in (out / "index.html").read_text()
    assert _files(out) == {"00_predictions.png", "index.html"}
    capsys.readouterr()
    # Without cached weights and without --fallback it is an error, not a silent Lite0.
    _user_error(capsys, ["gallery", CAT, "--model", "resnet18", "--out", str(tmp_path / "h")], "resnet18", "not cached")
    assert not (tmp_path / "h").exists()


def test_an_internal_bug_shows_its_traceback_and_exits_1(capsys, monkeypatch):
    from cnnviz_lab.commands import basics

    def broken(_args):
        return {}["missing"]  # a KeyError deep inside: a bug, not the user's fault

    monkeypatch.setattr(basics, "_predict", broken)
    assert main(["predict", CAT]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError" in err and "bug in cnnviz-lab" in err


def test_traceback_option_shows_user_errors_in_full(capsys):
    assert main(["--traceback", "predict", CAT, "--top", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("cnnviz predict: error: --top 0")


def test_help_exits_0_in_process(capsys):
    assert main(["predict", "--help"]) == 0
    assert "--top" in capsys.readouterr().out


@pytest.mark.slow  # about 70 s measured on 2 busy CPU cores (fresh interpreters)
def test_real_entry_point_prints_no_traceback(tmp_path, truncated):
    """The installed ``cnnviz`` console script (or ``python -m cnnviz_lab.cli``), run as a
    user would, on this checkout's code: one line on stderr, status 2, nothing written."""
    script = Path(sys.executable).with_name("cnnviz")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "cnnviz_lab.cli"]
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""), CNNVIZ_OFFLINE="1", MPLBACKEND="Agg")
    existing = tmp_path / "out"
    existing.mkdir()
    for argv, word in (
        [["saliency", truncated, "--out", str(tmp_path / "s.png")], "truncated"],
        [["features", CAT, "--out", str(existing)], "is a folder"],
        [["predict", CAT, "--top", "5000"], "--top 5000"],
        [["gradcam", CAT, "--target", "1000", "--out", str(tmp_path / "g.png")], "0..999"],
    ):
        run = subprocess.run(launcher + argv, capture_output=True, text=True, env=env, cwd=root, timeout=300)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 2 and len(lines) == 1 and word in lines[0], run.stderr
        assert "Traceback" not in run.stderr
    assert _files(tmp_path) == {"cut.png", "out"}
