"""The built book in a real browser: math typeset offline, no raw TeX, images load, no script errors.

Headless Chromium (Debian's `chromium`) loads every page of the smoke-profile site from a local
HTTP server (127.0.0.1, nothing else is reachable) with a virtual-time budget that lets MathJax
finish, and dumps the DOM. Skipped where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from test_book import build_smoke_site

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
RAW_TEX = re.compile(r"\\\(|\\\[|\$[^$\s][^$\n]{0,200}?\$")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Records every request's path and status (a 404 from the browser is a missing asset)."""

    log: list = []

    def log_request(self, code="-", size="-"):
        self.log.append((self.path, int(code) if str(code).isdigit() else code))

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = build_smoke_site(tmp_path_factory)
    Handler.log = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class Text(HTMLParser):
    """Visible text outside code, scripts and typeset math; the img srcs."""

    SKIP = {"code", "pre", "script", "style", "textarea", "mjx-container", "svg", "kbd"}
    VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed", "track"}

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.imgs, self.math = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs).get("src", ""))
        if tag == "mjx-container":
            self.math += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.SKIP.intersection(self.stack):
            self.text.append(data)


def render(url: str) -> tuple[str, str]:
    """(DOM after scripts ran, browser log) of one page."""
    profile = tempfile.mkdtemp(prefix="dmm-chromium-")
    try:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout, proc.stderr


def page_urls(site: Path) -> list[tuple[Path, str]]:
    out = []
    for page in sorted(site.rglob("index.html")):
        rel = page.parent.relative_to(site).as_posix()
        out.append((page, "" if rel == "." else rel + "/"))
    return out


def has_math(source: str) -> bool:
    return 'class="arithmatex"' in source or ("jupyter-wrapper" in source and RAW_TEX.search(source) is not None)


def test_every_page_renders_offline_with_math_images_and_no_errors(server):
    site, base = server
    problems = []
    for page, rel in page_urls(site):
        url = urljoin(base, rel)
        dom, log = render(url)
        if "</html>" not in dom:
            problems.append(f"{rel or '/'}: no DOM dumped")
            continue
        parsed = Text()
        parsed.feed(dom)
        source = page.read_text(encoding="utf-8")
        if has_math(source) and parsed.math == 0:
            problems.append(f"{rel or '/'}: has math but MathJax typeset none")
        raw = RAW_TEX.findall("".join(parsed.text))
        if raw:
            problems.append(f"{rel or '/'}: raw TeX left in the text: {raw[:3]}")
        for src in parsed.imgs:
            if src.startswith("data:"):
                continue
            try:
                with urllib.request.urlopen(urljoin(url, src), timeout=10) as resp:
                    ok = resp.status == 200
            except urllib.error.URLError:
                ok = False
            if not ok:
                problems.append(f"{rel or '/'}: image {src} does not load")
        errors = [line for line in log.splitlines() if "CONSOLE" in line and "Uncaught" in line]
        problems += [f"{rel or '/'}: {line.split('] ', 1)[-1][:200]}" for line in errors]
    missing = sorted({path for path, code in Handler.log if code == 404 and not path.endswith("favicon.ico")})
    problems += [f"the browser requested a missing file: {path}" for path in missing]
    assert not problems, "\n".join(problems)


def test_math_is_typeset_on_the_chapter_and_the_lab(server):
    """A positive control: pages known to hold many formulas get many MathJax containers."""
    site, base = server
    for rel in ("chapters/clinging/", "labs/clinging/", "appendix/notation/"):
        parsed = Text()
        parsed.feed(render(urljoin(base, rel))[0])
        assert parsed.math >= 5, f"{rel}: {parsed.math} typeset formulas"


def test_negative_control_a_page_without_mathjax_is_caught(server):
    """The checks can fail: the chapter served without its MathJax script leaves raw TeX and no containers."""
    site, base = server
    source = (site / "chapters" / "clinging" / "index.html").read_text(encoding="utf-8")
    broken = re.sub(r"<script src=\"[^\"]*tex-mml-chtml\.js\"></script>", "", source)
    assert broken != source
    control = site / "chapters" / "clinging" / "no-mathjax.html"
    control.write_text(broken, encoding="utf-8")
    try:
        parsed = Text()
        parsed.feed(render(urljoin(base, "chapters/clinging/no-mathjax.html"))[0])
    finally:
        control.unlink()
    assert parsed.math == 0
    assert RAW_TEX.findall("".join(parsed.text))
