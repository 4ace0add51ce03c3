"""The course website of ``make site`` in a real browser, offline, over http (as GitHub
Pages serves it): every page loads with no broken link or image and nothing from outside,
the search finds "Grad-CAM", math is rendered, a widget panel renders from stored state,
every notebook page has its Colab and Binder buttons. (The build time is measured by benchmarks/bench_web_build.py.)"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from .conftest import STORED_PANEL, offline_page, serve_folder


class _Refs(HTMLParser):
    """Every link and resource a page refers to."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and ((tag == "a" and key == "href") or (key == "src") or (tag == "link" and key == "href")):
                self.refs.append((tag, value))


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts and "_modules" not in p.parts)


def test_every_link_and_resource_of_every_page_exists(site_dir):
    broken, absolute = [], []
    for page in _pages(site_dir):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, ref in parser.refs:
            url = urlparse(ref)
            if url.scheme in ("http", "https", "mailto", "data", "javascript"):
                if tag != "a":  # a resource loaded from outside (a link to outside is only followed on a click)
                    absolute.append(f"{page.relative_to(site_dir)}: {ref}")
                continue
            if ref.startswith("/"):
                absolute.append(f"{page.relative_to(site_dir)}: {ref} (not relative)")
                continue
            path = unquote(urldefrag(url.path)[0])
            if not path:
                continue
            target = (page.parent / path).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(site_dir)}: {ref}")
    assert not absolute, f"pages load from outside or use site-absolute links: {absolute[:10]}"
    assert not broken, f"broken links: {broken[:10]}"


def test_every_page_loads_offline_with_its_images(site_dir, browser):
    pages = _pages(site_dir)
    assert len(pages) >= 12, f"only {len(pages)} pages"
    problems = []
    with serve_folder(site_dir) as base, offline_page(browser, 1280, 900) as (page, _watch):
        for path in pages:
            rel = path.relative_to(site_dir).as_posix()
            response = page.goto(f"{base}/{rel}")
            assert response is not None and response.ok, f"{rel}: HTTP {response and response.status}"
            page.wait_for_load_state("load")
            bad = page.evaluate("""() => [...document.images]
                .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))""")
            problems += [f"{rel}: {src[:80]}" for src in bad]
    assert not problems, f"images that do not load: {problems[:10]}"


def test_the_home_page_is_the_course_map_with_its_previews(site_dir, browser):
    with serve_folder(site_dir) as base, offline_page(browser, 1280, 900) as (page, _watch):
        page.goto(f"{base}/index.html")
        previews = page.locator("article table img")  # Sphinx copies them to _images/
        assert previews.count() >= 10, "the course map's previews are missing"
        links = page.locator("article a[href*='notebooks/']")
        assert links.count() >= 10
        links.first.click()
        page.wait_for_load_state("load")
        assert "/notebooks/" in page.url


def test_search_finds_grad_cam(site_dir, browser):
    with serve_folder(site_dir) as base, offline_page(browser, 1280, 900) as (page, _watch):
        page.goto(f"{base}/search.html?q=Grad-CAM")
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=30_000)
        hrefs = [a.get_attribute("href") for a in page.locator("#search-results ul.search li a").all()]
        assert any("06_gradcam" in (h or "") for h in hrefs), f"Grad-CAM search results: {hrefs[:10]}"


def test_notebook_pages_have_math_figures_and_launch_buttons(site_dir, browser):
    with serve_folder(site_dir) as base, offline_page(browser, 1280, 900) as (page, _watch):
        page.goto(f"{base}/notebooks/06_gradcam.html")
        page.wait_for_function("() => document.querySelectorAll('.MathJax_CHTML, .MathJax, mjx-container').length > 0", timeout=30_000)
        assert page.locator("article .cell_output img").count() >= 3, "the stored figures are missing"
        launch = page.locator("a[href*='colab.research.google.com'], a[href*='mybinder.org']")
        hrefs = [a.get_attribute("href") for a in launch.all()]
        assert any("colab.research.google.com/github/" in h and h.endswith("notebooks/06_gradcam.ipynb") for h in hrefs), (
            f"no Colab button for this notebook: {hrefs}"
        )
        assert any("mybinder.org/v2/gh/" in h and "06_gradcam.ipynb" in h for h in hrefs), f"no Binder button: {hrefs}"


def test_a_widget_panel_renders_from_stored_state(site_dir, browser):
    with serve_folder(site_dir) as base, offline_page(browser, 1280, 900) as (page, _watch):
        page.goto(f"{base}/notebooks/{STORED_PANEL}.html")
        panel = page.locator(".widget-vbox").first
        panel.wait_for(state="visible", timeout=30_000)
        assert panel.locator(".widget-dropdown").count() >= 2, "the panel's menus are missing"
        figure = panel.locator(".widget-output img").first
        figure.wait_for(state="visible")
        assert figure.get_attribute("src").startswith("data:image/png;base64,iVBOR")
        assert figure.evaluate("i => i.complete && i.naturalWidth > 0")


def test_api_reference_and_credits(site_dir):
    api = sorted((site_dir / "api").glob("*.html"))
    names = {p.stem for p in api}
    assert {"index", "attribution", "widgets", "modules"} <= names, names
    text = (site_dir / "api" / "attribution.html").read_text(encoding="utf-8")
    assert "gradcam" in text and "Selvaraju" in text, "the docstrings are missing from the API page"
    credits = (site_dir / "credits.html").read_text(encoding="utf-8")
    assert "CC0" in credits and "chelsea" in credits
