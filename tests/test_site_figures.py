"""The book's figures as a reader sees them: legible on a desktop and on a phone, numbered, in both schemes.

Headless Chromium loads each chapter of the smoke-profile site (tests/test_book.py) from a local
HTTP server inside two iframes of a probe page served from the same origin: 1280 px (a desktop)
and 390 px (a phone; Chromium's own window cannot be made that narrow). Injected script measures,
for every figure, the rendered width of the image the page shows and its natural width; with the
figure's smallest font and dpi, read from the PNG itself (dmm_edu.plots.save_figures writes them),
the smallest text is rendered at min_font_pt · dpi/72 · rendered/natural CSS px, and that must be
at least the page's own figcaption font size. A copy of a chapter whose widest figure lost its
min-width (docs/hooks/figures.py) must fail the same check at phone width. Also: each figure's
dark variant loads and is the one shown in the slate scheme, the figures of the story are
numbered in order per chapter, every figref resolves to its figure, and no script error is logged.
Skipped where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from test_book import ROOT, build_smoke_site

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1700,1000", "--virtual-time-budget=20000"]
WIDTHS = {"desktop": 1280, "phone": 390}
# one probe page per test process: the site is shared by the parallel workers, and a worker that
# finishes this module removes its own probe, never another worker's
PROBE = f"figure-probe-{os.getpid()}.html"
# Loads ?page= in one iframe per width; once each has loaded (and MathJax has had a moment), measures
# every figure, switches the page to the slate scheme, checks which variant shows, and writes JSON.
PROBE_HTML = """<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">
<pre id="out"></pre>
<script>
const page = new URLSearchParams(location.search).get("page");
const widths = %(widths)s, results = {};
function measure(doc) {
  doc.querySelectorAll("details").forEach(d => { d.open = true; });  // a reader opens them to see the figure
  const shown = img => img.getBoundingClientRect().width > 0;
  return [...doc.querySelectorAll("figure.dmm-figure-box")].map(fig => {
    const imgs = [...fig.querySelectorAll("img")], visible = imgs.find(shown);
    const dark = imgs.find(i => i.getAttribute("src").endsWith("#only-dark"));
    const cap = fig.querySelector("figcaption"), num = fig.querySelector(".dmm-figure-number");
    return {figure: fig.dataset.figure, id: fig.id, number: num ? num.textContent.trim() : null,
            src: visible ? visible.getAttribute("src") : null,
            rendered: visible ? visible.getBoundingClientRect().width : 0,
            natural: visible ? visible.naturalWidth : 0,
            caption_px: cap ? parseFloat(getComputedStyle(cap).fontSize) : null,
            column: fig.getBoundingClientRect().width, nested: !!fig.parentElement.closest(".admonition, details"), box_right: fig.getBoundingClientRect().right,
            dark_src: dark ? dark.getAttribute("src") : null,
            dark_loaded: dark ? dark.complete && dark.naturalWidth > 0 : false};
  });
}
function slate(doc) {
  doc.body.setAttribute("data-md-color-scheme", "slate");  // what material's palette toggle does
  return [...doc.querySelectorAll("figure.dmm-figure-box")].map(fig => [...fig.querySelectorAll("img")]
    .filter(i => i.getBoundingClientRect().width > 0).map(i => i.getAttribute("src")));
}
for (const [name, width] of Object.entries(widths)) {
  const frame = document.createElement("iframe");
  frame.width = width; frame.height = 900; frame.style.border = "0";
  frame.onload = () => setTimeout(() => {
    const doc = frame.contentDocument;
    results[name] = {figures: measure(doc), slate: slate(doc),
                     figrefs: [...doc.querySelectorAll("a.dmm-figref")].map(a => [a.textContent.trim(), a.href])};
    if (Object.keys(results).length === Object.keys(widths).length)
      document.getElementById("out").textContent = JSON.stringify(results);
  }, 1500);
  frame.src = page;
  document.body.appendChild(frame);
}
</script></body></html>
"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = build_smoke_site(tmp_path_factory)
    (site / PROBE).write_text(PROBE_HTML % {"widths": json.dumps(WIDTHS)}, encoding="utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    (site / PROBE).unlink(missing_ok=True)


def story_chapters() -> list[str]:
    """The chapters of "The story" in nav order, as site paths (chapters/clinging/)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    story = re.search(r'^  - "The story":\n((?:      - .*\n)+)', text, re.M).group(1)
    return [re.search(r":\s*(\S+)\.md", line).group(1) + "/" for line in story.splitlines()]


def probe(base: str, page: str) -> tuple[dict, str]:
    """({width name: measurements}, browser log) for one page of the site."""
    profile = tempfile.mkdtemp(prefix="dmm-chromium-")
    try:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               f"{base}{PROBE}?page=/{page}"], capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    found = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert found and found.group(1).strip(), f"{page}: the probe wrote nothing; browser log:\n{proc.stderr[-2000:]}"
    return json.loads(unescape(found.group(1))), proc.stderr


def png_record(site: Path, page: str, src: str) -> dict:
    """The width, smallest font and dpi dmm_edu.plots.save_figures wrote into the PNG."""
    from PIL import Image

    path = site / page / urlsplit(src).path
    with Image.open(path.resolve()) as png:
        return {k.removeprefix("dmm_edu."): float(v) for k, v in png.text.items() if k.startswith("dmm_edu.")}


def illegible(site: Path, page: str, measured: dict) -> list[str]:
    """One line per figure whose smallest text renders smaller than the page's caption text."""
    problems = []
    for width, data in measured.items():
        for fig in data["figures"]:
            if not fig["src"] or not fig["natural"]:
                problems.append(f"{page} at {width}: figure {fig['figure']} shows no loaded image")
                continue
            record = png_record(site, page, fig["src"])
            text_px = record["min_font_pt"] * record["dpi"] / 72 * fig["rendered"] / fig["natural"]
            if text_px < fig["caption_px"] - 0.05:
                problems.append(f"{page} at {width} ({WIDTHS[width]} px): figure {fig['figure']} shown "
                                f"{fig['rendered']:.0f} of {fig['natural']} px, its {record['min_font_pt']:g} pt "
                                f"text is {text_px:.1f} px, the caption {fig['caption_px']:g} px")
    return problems


@pytest.fixture(scope="module")
def measured(server) -> dict:
    """{chapter: (measurements, browser log)} for every chapter of the story that shows a figure."""
    site, base = server
    return {page: probe(base, page) for page in story_chapters() if "dmm-figure-box" in
            (site / page / "index.html").read_text(encoding="utf-8")}


def test_every_figure_is_legible_at_desktop_and_phone_width(server, measured):
    site, _ = server
    assert measured, "no chapter shows a figure"
    problems = []
    for page, (data, _) in measured.items():
        assert all(data[w]["figures"] for w in WIDTHS), f"{page}: the probe found no figure"
        problems += illegible(site, page, data)
    assert not problems, "\n".join(problems)


def test_desktop_figures_fit_the_column_and_phone_figures_scroll_in_their_box(measured):
    """On a desktop a book figure in the text fits the column (in a narrower admonition its legible
    width may make it scroll); on a phone the figure's box stays within the screen (the image
    scrolls inside it, the page does not)."""
    for page, (data, _) in measured.items():
        for fig in data["desktop"]["figures"]:
            assert fig["nested"] or fig["rendered"] <= fig["column"] + 0.5, (page, fig)
        for fig in data["phone"]["figures"]:
            assert fig["box_right"] <= WIDTHS["phone"] + 0.5, (page, fig)


def test_negative_control_a_figure_without_its_min_width_is_caught_on_a_phone(server):
    site, base = server
    page = "chapters/clinging/"
    source = (site / page / "index.html").read_text(encoding="utf-8")
    widths = [float(w) for w in re.findall(r'data-width-in="([\d.]+)"', source)]
    widest = re.findall(r'data-figure="([\w.-]+)"', source)[widths.index(max(widths))]
    box = re.search(rf'<figure class="dmm-figure-box"[^>]*data-figure="{re.escape(widest)}".*?</figure>', source, re.S)
    broken = box.group(0).replace(";min-width:", ";--was-min-width:")
    assert broken != box.group(0)
    control = site / page / f"no-min-width-{os.getpid()}.html"
    control.write_text(source.replace(box.group(0), broken), encoding="utf-8")
    try:
        data, _ = probe(base, page + control.name)
    finally:
        control.unlink()
    problems = illegible(site, page, data)
    assert any(f"at phone (390 px): figure {widest} " in line for line in problems), problems
    assert not any(f"figure {widest} " in line for line in problems if "at desktop" in line)  # fits there


def test_each_figure_has_a_dark_variant_shown_in_the_slate_scheme(server, measured):
    from PIL import Image

    site, _ = server
    for page, (data, _) in measured.items():
        for fig, shown in zip(data["desktop"]["figures"], data["desktop"]["slate"]):
            assert fig["dark_src"] and fig["dark_loaded"], (page, fig)
            assert shown == [fig["dark_src"]], (page, fig["figure"], shown)  # only the dark one shows in slate
            light, dark = (site / page / urlsplit(s).path for s in (fig["src"], fig["dark_src"]))
            with Image.open(light.resolve()) as a, Image.open(dark.resolve()) as b:
                assert a.convert("L").getpixel((0, 0)) > 200  # white paper
                assert b.convert("L").getpixel((0, 0)) < 60  # the slate page


def test_the_story_numbers_its_figures_in_order(measured):
    chapters = story_chapters()
    for page, (data, _) in measured.items():
        c = chapters.index(page) + 1
        numbers = [f["number"] for f in data["desktop"]["figures"] if f["number"]]
        assert numbers == [f"Figure {c}.{k}." for k in range(1, len(numbers) + 1)], (page, numbers)
        ids = [f["id"] for f in data["desktop"]["figures"] if f["number"]]
        assert ids == [f"fig-{f['figure']}" for f in data["desktop"]["figures"] if f["number"]]


def test_every_figref_names_its_figure(server, measured):
    site, base = server
    refs = []
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for attrs, text in re.findall(r'<a\b([^>]*\bclass="dmm-figref"[^>]*)>([^<]+)</a>', html):
            refs.append((page, re.search(r'href="([^"]+)"', attrs).group(1), text))
    assert refs, "no figref in the book (docs/chapters/clinging.md uses one)"
    for page, href, text in refs:
        target_path, _, anchor = urljoin(page.as_uri(), href).partition("#")
        target = Path(urlsplit(target_path).path)
        target = target / "index.html" if target.is_dir() else target
        box = re.search(rf'<figure class="dmm-figure-box" id="{re.escape(anchor)}".*?</figure>',
                        target.read_text(encoding="utf-8"), re.S)
        assert box, f"{page}: figref {href} points at no figure"
        assert f'<span class="dmm-figure-number">{text}.</span>' in box.group(0), (page, href, text)


def test_no_script_error_on_a_chapter_with_figures(measured):
    for page, (_, log) in measured.items():
        errors = [line for line in log.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]
        assert not errors, (page, errors[:3])


def test_a_figref_to_an_unknown_figure_fails_the_build_naming_it(monkeypatch):
    import sys

    from mkdocs.exceptions import PluginError

    spec = importlib.util.spec_from_file_location("figures_hook", ROOT / "docs" / "hooks" / "figures.py")
    hook = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, hook)  # as mkdocs loads a hook (its dataclass needs it)
    spec.loader.exec_module(hook)
    hook._numbers.update(E1_cling=hook.Numbered("Figure 3.2", "chapters/clinging.md"))

    class Page:
        class file:
            src_uri = "chapters/dimpling.md"

    out = hook.on_page_markdown('see {{ figref("E1_cling") }}', Page, {}, None)
    assert out == "see [Figure 3.2](clinging.md#fig-E1_cling){ .dmm-figref }"
    with pytest.raises(PluginError, match=r"chapters/dimpling\.md: figref\('E1-nowhere'\) names no numbered figure"):
        hook.on_page_markdown('see {{ figref("E1-nowhere") }}', Page, {}, None)
