"""The book builds: a strict smoke-profile build of the whole site, offline, with its labs executed.

The build runs in a copy of mkdocs.yml and docs/ (so generated figures never land in the working
tree), quotes smoke results, and executes the lab. Then: MathJax is vendored into the site, no
page loads a script, stylesheet or font from the network, every lab page offers its source for
download, no claim placeholder survives, published numbers link to their sources, and the generated
appendices list every run, every checked claim and every published number.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from smoke_runs import run_cache

from dmm_edu import book, claims
from dmm_edu.experiments.variants import anchor, parse_key, set_options

ROOT = Path(__file__).resolve().parent.parent


def build_smoke_site(tmp_path_factory) -> Path:
    """Build the book once per test session (smoke profile) and return its site folder.

    With several test workers (pytest-xdist) the first worker to ask builds it in the session's
    folder that all of them share, under a lock; the others wait and use it. Its cache is the folder
    `cache/` beside the site, whose results/ is the run-wide results cache (tests/smoke_runs.py) and
    whose labs/ is the session cache's (tests/conftest.py): a later build in the session (the printed
    `dmm-edu book build`) finds the labs executed (each keyed by everything it depends on)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # this session's folder, common to its workers (a new one each session)
    base = shared / "dmm_book_site"
    site = base / "site"
    with FileLock(str(shared / "dmm_book_site.lock")):
        if (site / "index.html").is_file():
            return site
        for name in ("mkdocs", "mkdocs_jupyter", "matplotlib", "material"):
            pytest.importorskip(name)
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        shutil.copy(ROOT / "mkdocs.yml", base / "mkdocs.yml")
        shutil.copytree(ROOT / "docs", base / "docs", ignore=shutil.ignore_patterns("generated", "__pycache__"))
        (base / "dmm_edu").symlink_to(ROOT / "dmm_edu", target_is_directory=True)  # the chapters' code snippets
        (base / "cache").mkdir()  # the site's cache (its labs, figures' inputs), beside it for every worker
        (base / "cache" / "results").symlink_to(run_cache().resolve(), target_is_directory=True)
        session_labs = Path(os.environ["DMM_EDU_CACHE"]) / "labs"  # the session's cache (conftest)
        session_labs.mkdir(parents=True, exist_ok=True)
        (base / "cache" / "labs").symlink_to(session_labs.resolve(), target_is_directory=True)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DMM_EDU_CACHE", str(base / "cache"))
            book.build("smoke", site, base / "mkdocs.yml", progress=None, quiet=True)
    return site


def smoke_site_if_any(tmp_path_factory) -> Path | None:
    """`build_smoke_site`, or None where it cannot be built (the docs extra missing, or a build that
    fails: test_book reports that): for a test that only saves work by reusing the site's labs and figures."""
    try:
        return build_smoke_site(tmp_path_factory)
    except (Exception, pytest.skip.Exception):  # noqa: BLE001  (the site's own tests report why)
        return None


def copy_smoke_figures(tmp_path_factory, docs_dir: Path) -> None:
    """Copy the figures the smoke site drew (with their stamps) into docs_dir/figures/generated, so that a
    build of docs_dir finds them current instead of drawing them all again; nothing where there is no site."""
    site = smoke_site_if_any(tmp_path_factory)
    if site is not None:
        generated = Path("figures") / "generated"
        shutil.copytree(site.parent / "docs" / generated, Path(docs_dir) / generated)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_smoke_site(tmp_path_factory)


class Refs(HTMLParser):
    """Collects what a page loads: script src, stylesheet/font/preload links, img src, and lab download links."""

    def __init__(self):
        super().__init__()
        self.scripts, self.links, self.imgs, self.downloads = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {"stylesheet", "preload",
                                                                                     "modulepreload", "icon"}:
            self.links.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        elif tag == "a" and "download" in a:
            self.downloads.append(a.get("href"))


def parse(page: Path) -> Refs:
    refs = Refs()
    refs.feed(page.read_text(encoding="utf-8"))
    return refs


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


# --- without a build ---------------------------------------------------------------------------

def test_book_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(book.PROFILE_ENV, raising=False)
    assert book.book_profile() == "book"
    monkeypatch.setenv(book.PROFILE_ENV, "smoke")
    assert book.book_profile() == "smoke"
    monkeypatch.setenv(book.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="DMM_EDU_BOOK_PROFILE='huge'"):
        book.book_profile()


def test_labs_run_at_the_books_profile_during_a_build_and_at_smoke_otherwise(monkeypatch):
    monkeypatch.delenv(book.PROFILE_ENV, raising=False)
    assert book.lab_profile() == "smoke"  # a reader running a downloaded lab: seconds
    monkeypatch.setenv(book.PROFILE_ENV, "book")  # what `book.build` sets for mkdocs and its kernels
    assert book.lab_profile() == "book"
    monkeypatch.setenv(book.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="DMM_EDU_BOOK_PROFILE='huge'"):
        book.lab_profile()
    for lab in (ROOT / "docs" / "labs").glob("*.py"):  # no lab pins a profile in the code it executes
        code = "\n".join(line for line in lab.read_text().splitlines() if not line.lstrip().startswith("#"))
        assert 'profile="smoke"' not in code and 'profile="book"' not in code, lab.name


def test_book_experiments_cover_claims_and_figures():
    needed = book.book_experiments()
    assert set(claims.experiments_for()) | set(book.FIGURE_EXPERIMENTS) == set(needed)


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no built site"):
        book.make_server(tmp_path, 0)


def test_build_refuses_a_missing_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        book.build("smoke", tmp_path / "site", tmp_path / "mkdocs.yml", progress=None)
    with pytest.raises(ValueError, match="profile='full'"):
        book.build("full", tmp_path / "site", tmp_path / "mkdocs.yml", progress=None)


def test_cli_group_has_build_and_serve():
    from click.testing import CliRunner

    from dmm_edu.cli_book import book as book_group

    out = CliRunner().invoke(book_group, ["--help"])
    assert out.exit_code == 0 and "build" in out.output and "serve" in out.output
    out = CliRunner().invoke(book_group, ["build", "--profile", "full"])
    assert out.exit_code == 2 and "full" in out.output


# --- a strict smoke build of the whole site (executes the lab: slow) -------------


@pytest.mark.slow
def test_the_book_has_every_nav_page(site):
    for rel in ("index.html", "chapters/clinging/index.html", "appendix/notation/index.html",
                "appendix/reproducibility/index.html", "appendix/predictions/index.html",
                "appendix/bibliography/index.html", "labs/clinging/index.html"):
        assert (site / rel).is_file(), rel


@pytest.mark.slow
def test_mathjax_is_vendored_into_the_site(site):
    mj = site / "assets" / "vendor" / "mathjax"
    assert (mj / "tex-mml-chtml.js").stat().st_size > 500_000
    assert len(list((mj / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")))  > 10
    assert (mj / "input" / "tex" / "extensions").is_dir()
    chapter = parse(site / "chapters" / "clinging" / "index.html")
    assert any(s.endswith("assets/vendor/mathjax/tex-mml-chtml.js") for s in chapter.scripts)
    assert any(s.endswith("assets/javascripts/mathjax-config.js") for s in chapter.scripts)


@pytest.mark.slow
def test_no_page_loads_anything_from_the_network(site):
    remote = []
    for page in pages(site):
        refs = parse(page)
        remote += [f"{page.relative_to(site)}: {u}" for u in refs.scripts + refs.links if REMOTE.match(u)]
        text = page.read_text(encoding="utf-8")
        remote += [f"{page.relative_to(site)}: import {u}" for u in re.findall(r"import\(\s*[\"'](https?://[^\"']+)", text)]
    for css in site.rglob("*.css"):
        remote += [f"{css.relative_to(site)}: {u}" for u in re.findall(r"url\(\s*[\"']?(https?://[^)\"']+)", css.read_text())]
        remote += [f"{css.relative_to(site)}: {u}" for u in re.findall(r"@import\s+[\"'](https?://[^\"']+)", css.read_text())]
    assert not remote, remote


@pytest.mark.slow
def test_every_lab_page_offers_its_source_for_download(site):
    labs = sorted((ROOT / "docs" / "labs").glob("*.py"))
    assert labs, "the book has at least one lab"
    for lab in labs:
        page = site / "labs" / lab.stem / "index.html"
        downloads = parse(page).downloads  # the executed notebook and the jupytext script, beside the page
        assert set(downloads) == {f"{lab.stem}.ipynb", lab.name}, f"{page}: download links {downloads}"
        assert (page.parent / lab.name).read_text() == lab.read_text()
        assert (page.parent / f"{lab.stem}.ipynb").is_file()
        assert "jupyter-wrapper" in page.read_text()  # rendered as a notebook, executed
        assert 'data:image/png;base64' in page.read_text()  # the figures came out of the executed cells


@pytest.mark.slow
def test_claims_are_replaced_and_link_to_the_appendix(site):
    leftovers = [str(p.relative_to(site)) for p in pages(site) if "{{" in p.read_text() and "claim(" in p.read_text()]
    assert not leftovers
    chapter = (site / "chapters" / "clinging" / "index.html").read_text()
    assert chapter.count('class="dmm-claim"') >= len(set(claims.names_in((ROOT / "docs/chapters/clinging.md").read_text())))
    appendix = (site / "appendix" / "reproducibility" / "index.html").read_text()
    appendix_text = re.sub(r"<[^>]+>", "", appendix)  # code blocks are split into highlighted spans
    for key in book.book_experiments():  # an experiment, or a variant of one ("E6:cnn": E6 with --set options)
        assert f'id="{anchor(key)}"' in appendix
        assert f"dmm-edu run {parse_key(key)[0]} --profile smoke --seed 0{set_options(key, 'smoke')}" in appendix_text


@pytest.mark.slow
def test_the_predictions_page_lists_every_check_and_every_published_number(site):
    from dmm_edu import published

    text = re.sub(r"<[^>]+>", "", (site / "appendix" / "predictions" / "index.html").read_text())
    for claim in claims.CLAIMS.values():
        if claim.check is not None:
            assert claim.name in text, claim.name
    for key in published.NUMBERS:
        assert f"published.{key}" in text, key


@pytest.mark.slow
def test_published_claims_link_to_their_source_in_the_bibliography(site):
    from dmm_edu import published

    bibliography = (site / "appendix" / "bibliography" / "index.html").read_text()
    for source in published.SOURCES:
        assert f'id="{source}"' in bibliography, source
    chapter = (site / "chapters" / "mislabeled" / "index.html").read_text()
    links = re.findall(r"<a [^>]*>", chapter)
    for source in ("wallace2019", "ilyas2019"):
        tags = [t for t in links if f'href="../../appendix/bibliography/#{source}"' in t]
        assert tags and all('class="dmm-claim dmm-published"' in t for t in tags), source


@pytest.mark.slow
def test_figures_are_drawn_from_results_and_shown(site):
    chapter = parse(site / "chapters" / "clinging" / "index.html")
    figures = {src.split("#")[0] for src in chapter.imgs if "figures/generated/" in src}
    light = {src for src in figures if not src.endswith(".dark.png")}
    assert len(light) == 5  # E1's five figures (the animations' static fallbacks reuse two of them)
    assert figures - light == {src.removesuffix(".png") + ".dark.png" for src in light}  # each with its dark twin
    for src in figures:
        assert (site / "chapters" / "clinging" / src).resolve().is_file(), src


@pytest.mark.slow
def test_every_chapter_renders_its_code_box_from_the_package_source(site):
    """The "The code" box of each chapter shows the function's own source (included by snippet, dedented)."""
    import html

    from test_code_boxes import boxes, section_of

    for md in sorted((ROOT / "docs" / "chapters").glob("*.md")):
        page = html.unescape(re.sub(r"<[^>]+>", "", (site / "chapters" / md.stem / "index.html").read_text("utf-8")))
        for path, section, _, _ in boxes(md.read_text(encoding="utf-8")):
            first = next(line.strip() for line in section_of(ROOT / path, section).splitlines() if line.strip())
            assert first in page, f"{md.stem}: the code of {path}:{section} is not on the page"
            assert "--8<--" not in page, f"{md.stem}: a snippet marker was not replaced"


@pytest.mark.slow
def test_the_site_serves_over_http(site):
    """`book.serve`'s handler serves the built site (the port is picked by the OS)."""
    with book.make_server(site, 0) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/chapters/clinging/"
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200 and b"Clinging and dimpling" in resp.read()
        finally:
            httpd.shutdown()


API_PACKAGES = ("dmm_edu.numpy_nn", "dmm_edu.data", "dmm_edu.manifold", "dmm_edu.boundary", "dmm_edu.attacks",
                "dmm_edu.torch_nn", "dmm_edu.experiments", "dmm_edu.plots", "dmm_edu.exercises")


@pytest.mark.slow
def test_the_api_reference_documents_every_public_function_and_class(site):
    """Every function and class a package exports (`__all__`) has an entry in the generated API pages."""
    import importlib
    import importlib.util
    import inspect

    pytest.importorskip("torch")
    ids = set()
    for page in (site / "api").rglob("index.html"):
        ids |= set(re.findall(r'id="(dmm_edu\.[\w.]+)"', page.read_text(encoding="utf-8")))
    assert ids, "no API entries were rendered"
    missing = []
    for package in API_PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            defined = f"{inspect.unwrap(obj).__module__}.{name}"  # where the code is (the dispatchers: the numpy one)
            exported = f"{package}.{name}"  # the same object under the package, unless that is a submodule's name
            shadowed = importlib.util.find_spec(exported) is not None
            if defined not in ids and (shadowed or exported not in ids):
                missing.append(exported)
    assert not missing, f"not in the API reference: {missing}"
