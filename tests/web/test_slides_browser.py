"""The reveal.js decks of ``make slides`` in a real browser, offline: they open from
``file://`` and over http, reveal.js starts, the right arrow moves through the slides,
figures and rendered math are visible, speaker notes are hidden from the audience, no
slide overflows the 1280x720 view, a stored widget panel renders, and the deck index
links every deck."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import ARTIFACTS, STORED_PANEL, offline_page, serve_folder

WIDTH, HEIGHT = 1280, 720
# resolves once MathJax has finished what is queued now (a slide change queues a re-render)
MATHJAX_IDLE = "() => new Promise(r => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(() => r(true)) : r(true))"


def _decks(slides_dir):
    return sorted(slides_dir.glob("*.slides.html"))


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)


def _math_deck(slides_dir):
    """The first deck whose notebook has display or inline math in a markdown cell."""
    for deck in _decks(slides_dir):
        if STORED_PANEL not in deck.name and re.search(r'class="MathJax|\$\$|\\\(', deck.read_text()):
            return deck
    pytest.fail("no deck contains math")


@pytest.mark.parametrize("how", ["file", "http"])
def test_a_deck_presents_offline(how, slides_dir, browser):
    deck = _math_deck(slides_dir)
    with serve_folder(slides_dir) as base, offline_page(browser, WIDTH, HEIGHT) as (page, watch):
        url = deck.as_uri() if how == "file" else f"{base}/{deck.name}"
        _open(page, url)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert total >= 3, f"{deck.name}: only {total} slides"
        # each press of the right arrow moves on: a fragment, a sub-slide or the next slide
        state = "() => JSON.stringify(Reveal.getIndices())"
        for _ in range(4):
            before = page.evaluate(state)
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"old => ({state})() !== old", arg=before)
        assert page.evaluate("() => Reveal.getProgress()") > 0

        # a figure: go to the first slide with a stored image and see it drawn
        shown = page.evaluate("""() => {
            const img = document.querySelector('.reveal .slides section .jp-OutputArea-output img');
            if (!img) return null;
            const slide = img.closest('section');
            const idx = Reveal.getIndices(slide);
            Reveal.slide(idx.h, idx.v || 0);
            return idx; }""")
        assert shown is not None, f"{deck.name}: no figure in the deck"
        img = page.locator(".reveal .slides section.present .jp-OutputArea-output img").first
        img.wait_for(state="visible")
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the figure did not load"

        # rendered math: MathJax turned the TeX into its CommonHTML output, visible on its slide
        page.wait_for_function("() => document.querySelectorAll('.MathJax_CHTML, .mjx-chtml').length > 0", timeout=30_000)
        page.evaluate("""() => { const m = document.querySelector('.MathJax_CHTML, .mjx-chtml');
                                 const idx = Reveal.getIndices(m.closest('section')); Reveal.slide(idx.h, idx.v || 0); }""")
        page.evaluate(MATHJAX_IDLE)  # the slide change re-renders its math: measure after that
        math = page.locator("section.present .MathJax_CHTML, section.present .mjx-chtml").first
        math.wait_for(state="visible")
        box = math.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"slides-{how}.png"))
    watch.check()


def test_speaker_notes_are_hidden_from_the_audience(slides_dir, browser):
    decks = [d for d in _decks(slides_dir) if '<aside class="notes">' in d.read_text()]
    assert decks, "no deck has speaker notes (cells with slide_type notes)"
    with offline_page(browser, WIDTH, HEIGHT) as (page, _watch):
        _open(page, decks[0].as_uri())
        notes = page.locator("aside.notes")
        assert notes.count() > 0
        # walk to the slide holding the first note: its text is in the page, not on screen
        page.evaluate("""() => { const n = document.querySelector('aside.notes');
                                 const idx = Reveal.getIndices(n.closest('section')); Reveal.slide(idx.h, idx.v || 0); }""")
        note = notes.first
        text = note.inner_text() if note.is_visible() else note.evaluate("n => n.textContent")
        assert text.strip(), "an empty note"
        assert not note.is_visible(), "a speaker note is shown to the audience"
        assert page.evaluate("() => Reveal.getSlideNotes()") is not None


def test_no_slide_overflows_the_view(slides_dir, browser):
    """At 1280x720 every slide fits, or scrolls (the deck marks it scrollable and keeps it
    inside the view)."""
    problems = []
    with offline_page(browser, WIDTH, HEIGHT) as (page, _watch):
        for deck in _decks(slides_dir):
            _open(page, deck.as_uri())
            bad = page.evaluate(f"""async () => {{
                const out = [];
                for (const slide of Reveal.getSlides()) {{
                    const idx = Reveal.getIndices(slide);
                    Reveal.slide(idx.h, idx.v || 0);
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    await ({MATHJAX_IDLE})();
                    const tall = slide.scrollHeight > {HEIGHT} * 1.02;
                    const scrolls = slide.classList.contains('cnnviz-scroll')
                        && getComputedStyle(slide).overflowY === 'auto' && slide.clientHeight <= {HEIGHT} + 2;
                    if (tall && !scrolls) out.push(`${{idx.h}}/${{idx.v || 0}}: ${{slide.scrollHeight}} px`);
                }}
                return out; }}""")
            problems += [f"{deck.name} slide {b}" for b in bad]
    assert not problems, "slides overflow the 1280x720 view: " + "; ".join(problems[:10])


def test_a_stored_panel_renders_as_a_static_panel(slides_dir, browser):
    deck = slides_dir / f"{STORED_PANEL}.slides.html"
    with offline_page(browser, WIDTH, HEIGHT) as (page, _watch):
        _open(page, deck.as_uri())
        page.keyboard.press("ArrowRight")
        panel = page.locator("section.present .widget-vbox").first
        panel.wait_for(state="visible", timeout=30_000)
        assert panel.locator(".widget-dropdown").count() >= 2, "the panel's menus are missing"
        figure = panel.locator(".widget-output img").first
        figure.wait_for(state="visible")
        assert figure.get_attribute("src").startswith("data:image/png;base64,iVBOR"), "the stored figure is not a PNG"
        assert figure.evaluate("i => i.complete && i.naturalWidth > 0")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]


def test_the_index_links_every_deck(slides_dir, browser):
    index = slides_dir / "index.html"
    parser = _Links()
    parser.feed(index.read_text())
    decks = {d.name for d in _decks(slides_dir)}
    assert decks and decks <= set(parser.links), f"decks missing from the index: {sorted(decks - set(parser.links))}"
    with offline_page(browser, WIDTH, HEIGHT) as (page, _watch):
        page.goto(index.as_uri())
        first = sorted(decks)[0]
        page.locator(f'a[href="{first}"]').click()
        page.wait_for_function("() => window.Reveal && window.Reveal.isReady()")
        assert page.url.endswith(first) or first in page.url
