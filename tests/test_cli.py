import subprocess
import sys

from cnnviz_lab.cli import main


def test_predict_prints_top_classes(capsys):
    assert main(["predict", "data/coffee.png", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("1. espresso")


def test_features_and_filters_write_pngs(tmp_path):
    assert main(["features", "data/chelsea.png", "--layer", "blocks.2", "--count", "8",
                 "--out", str(tmp_path / "f.png")]) == 0
    assert main(["filters", "--out", str(tmp_path / "w.png")]) == 0
    assert (tmp_path / "f.png").stat().st_size > 1000 and (tmp_path / "w.png").stat().st_size > 1000


def test_errors_are_clear_and_exit_2(capsys):
    assert main(["features", "data/chelsea.png", "--layer", "blocks.99"]) == 2
    assert "Closest: blocks.9" in capsys.readouterr().err
    assert main(["predict", "missing.png"]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "cnnviz_lab.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "predict" in out.stdout and "features" in out.stdout
