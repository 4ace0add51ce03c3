from PIL import Image

import cnnviz_lab as cv
from cnnviz_lab.cli import main
from cnnviz_lab.gallery import PREVIEWS, make_gallery


def test_gallery_writes_pngs_thumbnails_and_an_index(tmp_path, lite):
    page = make_gallery(
        cv.sample_image("coffee"), tmp_path, lite, fast=True, only=["00_predictions", "00_filters", "05", "07"], thumbnails=True, progress=False
    )
    html = page.read_text()
    for slug in ("00_predictions", "00_filters", "05_cam_topk", "07_occlusion"):
        assert (tmp_path / f"{slug}.png").stat().st_size > 2000
        assert f'src="{slug}.png"' in html
    thumbs = sorted(p.stem for p in (tmp_path / "thumbs").glob("*.png"))
    assert thumbs == ["00_filters_and_feature_maps", "05_gap_cam", "07_occlusion"]
    assert max(Image.open(tmp_path / "thumbs" / "05_gap_cam.png").size) <= 360
    assert cv.hook_count(lite) == 0


def test_gallery_shows_every_registered_method_family(tmp_path, lite):
    """The backward rules (deconvnet beside vanilla and guided), the registry's class-map
    methods beyond the classic four (HiResCAM, XGrad-CAM, EigenCAM, Ablation-CAM, and any
    method registered later), and its black-box family (occlusion, RISE, LIME)."""
    page = make_gallery(cv.sample_image("coffee"), tmp_path, lite, fast=True, only=["01_backward_rules", "06_more_cam_methods", "07_black_box"], progress=False)
    html = page.read_text()
    for slug in ("01_backward_rules", "06_more_cam_methods", "07_black_box"):
        assert (tmp_path / f"{slug}.png").stat().st_size > 2000 and f'src="{slug}.png"' in html
    for label in ("Deconvnet", "HiResCAM", "XGrad-CAM", "EigenCAM (class-agnostic)", "Ablation-CAM", "RISE", "LIME"):
        assert label.lower() in html.lower(), label
    assert cv.hook_count(lite) == 0


def test_every_notebook_has_a_preview_entry():
    from pathlib import Path

    names = {p.stem for p in (Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb")}
    assert names <= set(PREVIEWS), f"add a preview entry for {names - set(PREVIEWS)}"


def test_gallery_command_rejects_unknown_entries(tmp_path, capsys):
    assert main(["gallery", "data/coffee.png", "--out", str(tmp_path), "--only", "99"]) == 2
    assert "no gallery entry" in capsys.readouterr().err


def test_gallery_page_credits_a_bundled_photo(tmp_path, lite):
    """CC BY photos need their credit wherever they are shown: the page gives it when the
    image is a bundled sample, by name or by its path in data/, and not for other images."""
    from cnnviz_lab.images.loading import DATA_DIR

    for image, out in (("bee_on_flower", tmp_path / "by_name"), (str(DATA_DIR / "bee_on_flower.jpg"), tmp_path / "by_path")):
        html = make_gallery(image, out, lite, fast=True, only=["00_predictions"], progress=False).read_text()
        assert cv.credit("bee_on_flower", "html") in html and "aussiegall" in html
        assert 'href="https://creativecommons.org/licenses/by/2.0/"' in html
    html = make_gallery(cv.sample_image("bee_on_flower"), tmp_path / "pil", lite, fast=True, only=["00_predictions"], progress=False).read_text()
    assert "aussiegall" not in html  # a PIL image: the page cannot know where it came from


def test_gallery_command_defaults_to_the_two_object_photo(tmp_path, capsys):
    assert main(["gallery", "--fast", "--only", "00_predictions", "--out", str(tmp_path)]) == 0
    html = (tmp_path / "index.html").read_text()
    assert "<code>drums_and_guitar</code>" in html and "Tom Harpel" in html
