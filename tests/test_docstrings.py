"""Docstrings describe, results report: the code's pointers into the book name real pages, and no file
refers to notes kept outside the repository.

A pointer is `Book page: "Title"` or `Book pages: "A", "B"` in a docstring or a comment, optionally
followed by a section hint in parentheses; a quoted title may wrap over two lines (whitespace is folded).
Every quoted title must be a nav title of mkdocs.yml, which is how a reader finds the page. The
measured numbers themselves live in the saved results and reach the book as claims, so the code's
prose only says where they are. Each scan has a negative control: the same helper must catch a wrong
title and a forbidden reference.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = ROOT / "mkdocs.yml"
POINTER_DIRS = ("dmm_edu", "animations", "benchmarks")  #: where `Book page:` pointers are checked
TEXT_DIRS = ("dmm_edu", "animations", "tests", "benchmarks", "scripts", "docs")  #: scanned for outside references
FORBIDDEN = re.compile(r"science\.md|design/science", re.IGNORECASE)  #: notes that are not part of the repository

POINTER = re.compile(r"Book pages?:")
TITLES = re.compile(r'\s*"([^"]+)"(?:\s*(?:,\s*and|,|and)\s*(?="))?')  # one quoted title and its separator


# ------------------------------------------------------------------ helpers
def nav_titles(mkdocs_text: str) -> set[str]:
    """Every title in the `nav:` block of an mkdocs.yml text (pages and sections alike).

    Read with a regex, not a YAML loader: mkdocs.yml may carry `!!python/name` tags, and the titles are
    all this needs. A nav entry is `- "Title": path`, `- 'Title': path`, `- Title: path` or a section
    `- "Title":` followed by indented entries; bare `- path.md` entries have no title.
    """
    block = re.search(r"^nav:\s*\n((?:[ \t]+.*\n?|\s*\n)*)", mkdocs_text, re.M)
    if block is None:
        return set()
    entry = re.compile(r"""^\s*-\s*(?:"([^"]+)"|'([^']+)'|([^\s"'#][^:#]*?))\s*:(?:\s|$)""", re.M)
    return {next(g for g in m.groups() if g is not None).strip() for m in entry.finditer(block.group(1))}


def prose_chunks(source: str) -> list[tuple[int, str]]:
    """(first line, text) of every string literal and every run of consecutive comment lines of a
    Python source, comment markers removed: the places a pointer can stand."""
    chunks: list[tuple[int, str]] = []
    comment_line, comment_text = -2, []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            line = tok.start[0]
            if comment_text and line == comment_line + 1:
                comment_text.append(tok.string.lstrip("#"))
            else:
                if comment_text:
                    chunks.append((comment_line - len(comment_text) + 1, "\n".join(comment_text)))
                comment_text = [tok.string.lstrip("#")]
            comment_line = line
        elif tok.type == tokenize.STRING:
            chunks.append((tok.start[0], tok.string))
    if comment_text:
        chunks.append((comment_line - len(comment_text) + 1, "\n".join(comment_text)))
    return chunks


def pointers(source: str) -> list[tuple[int, list[str]]]:
    """(line, quoted titles) of every `Book page(s):` pointer in a Python source; [] titles when the
    pointer quotes none. Whitespace inside a title (a title wrapped over two lines) is folded."""
    found = []
    for first_line, text in prose_chunks(source):
        for m in POINTER.finditer(text):
            titles, pos = [], m.end()
            while (t := TITLES.match(text, pos)) is not None:
                titles.append(" ".join(t.group(1).split()))
                pos = t.end()
            found.append((first_line + text.count("\n", 0, m.start()), titles))
    return found


def bad_pointers(source: str, titles: set[str]) -> list[str]:
    """'line N: problem' for every pointer of `source` that quotes no title or a title not in `titles`."""
    bad = []
    for line, quoted in pointers(source):
        if not quoted:
            bad.append(f"line {line}: a pointer with no quoted page title")
        bad += [f"line {line}: {t!r} is not a page of the book" for t in quoted if t not in titles]
    return bad


def forbidden_references(text: str) -> list[str]:
    """'line N: match' for every reference in `text` to notes outside the repository."""
    return [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}" for m in FORBIDDEN.finditer(text)]


def _files(dirs, suffixes) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix in suffixes)


# ------------------------------------------------------------------ the nav
@pytest.fixture(scope="module")
def titles() -> set[str]:
    return nav_titles(MKDOCS.read_text(encoding="utf-8"))


def test_the_nav_reader_finds_chapters_appendices_and_api_pages(titles):
    for title in ("Data manifolds and tangent spaces", "Dimpling in high dimension", "For lecturers",
                  "Predictions and checks", "Notation", "numpy_nn", "The story", "API reference"):
        assert title in titles, title
    assert not any(t.endswith((".md", ".py")) for t in titles), titles


def test_the_nav_reader_agrees_with_a_yaml_loader(titles):
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):  # mkdocs.yml may carry !!python/name tags: read them as nothing
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    nav = yaml.load(MKDOCS.read_text(encoding="utf-8"), Loader=Loader)["nav"]

    def walk(items):
        for item in items:
            if isinstance(item, dict):
                for key, value in item.items():
                    yield key
                    if isinstance(value, list):
                        yield from walk(value)

    assert set(walk(nav)) == titles


# ------------------------------------------------------------------ (a) pointers name real pages
def test_every_book_page_pointer_names_a_page_of_the_nav(titles):
    bad, n = [], 0
    for path in _files(POINTER_DIRS, {".py"}):
        source = path.read_text(encoding="utf-8")
        n += len(pointers(source))
        bad += [f"{path.relative_to(ROOT)} {problem}" for problem in bad_pointers(source, titles)]
    assert n >= 10, f"only {n} pointers found: the scan has stopped seeing them"
    assert not bad, ("pointers to pages the book does not have; use a nav title of mkdocs.yml, "
                     'e.g. Book page: "Dimpling in high dimension" (the image case):\n' + "\n".join(bad))


def test_the_pointer_check_can_fail(titles):
    """Negative control: the same helper catches a wrong title, an unquoted one, and a wrong title in a comment."""
    wrong = '"""A module.\n\nBook page: "Real images".\n"""\n'
    assert bad_pointers(wrong, titles) == ["line 3: 'Real images' is not a page of the book"]
    unquoted = '"""Book page: the numpy track."""\n'
    assert bad_pointers(unquoted, titles) == ["line 1: a pointer with no quoted page title"]
    assert bad_pointers('x = 1  # Book pages: "Notation", "Clinging and dimpling"\n', titles) == [
        "line 1: 'Clinging and dimpling' is not a page of the book"]
    # and passes the forms the code uses: two titles, a title wrapped over two lines, a section hint
    good = ('"""Text. Book pages: "Data manifolds and\n    tangent spaces", "On- vs off-manifold perturbations"\n'
            '(the image case).\n"""\n# Book page: "Why perturbations are tiny and look\n# like noise".\n')
    assert pointers(good) == [(1, ["Data manifolds and tangent spaces", "On- vs off-manifold perturbations"]),
                              (5, ["Why perturbations are tiny and look like noise"])]
    assert bad_pointers(good, titles) == []


# ------------------------------------------------------------------ (b) no references outside the repository
def test_no_file_refers_to_notes_outside_the_repository():
    files = [p for p in _files(TEXT_DIRS, {".py", ".md"}) if p != Path(__file__).resolve()] + [ROOT / "README.md"]
    bad = [f"{p.relative_to(ROOT)} {hit}" for p in files for hit in forbidden_references(p.read_text(encoding="utf-8"))]
    assert not bad, ("the repository must speak for itself: say what a threshold means and why it follows from "
                     "the claim, not where a note outside the repository put it:\n" + "\n".join(bad))


def test_the_reference_check_can_fail():
    """Negative control: the same helper catches the forbidden references in any case, and only them."""
    assert forbidden_references('"""Check (science.md): d_off/d_on < 0.85."""') == ["line 1: 'science.md'"]
    assert forbidden_references("x\n# see Science.md and design/science notes\n") == ["line 2: 'Science.md'",
                                                                                        "line 2: 'design/science'"]
    assert forbidden_references('"""Check: d_off/d_on < 0.85 (why: ...; see "Predictions and checks")."""') == []
