"""Each chapter shows its code: a "The code" box that includes, by snippet from the package (never a
copy), the function that computes the chapter's equation, and links to its API entry.

Static checks here (the snippet's file and section exist, the API anchor names a real object); the
smoke-built site's test (tests/test_book.py) checks that the code appears on the rendered page.
"""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "docs" / "chapters").glob("*.md"))
BOX = re.compile(r'^\?\?\? tip "The code: [^"]+"\n(?P<body>(?:    .*\n|\n)+)', re.M)
SNIPPET = re.compile(r'--8<-- "(?P<path>[^":]+):(?P<section>[\w-]+)"')
API_LINK = re.compile(r"\]\(\.\./api/(?P<page>[\w-]+)\.md#(?P<anchor>dmm_edu\.[\w.]+)\)")


def boxes(markdown: str) -> list[tuple[str, str, str, str]]:
    """(path, section, api page, anchor) of every "The code" box in a chapter's Markdown."""
    out = []
    for m in BOX.finditer(markdown):
        body = m.group("body")
        snip, api = SNIPPET.search(body), API_LINK.search(body)
        out.append((snip and snip["path"], snip and snip["section"], api and api["page"], api and api["anchor"]))
    return out


def section_of(path: Path, section: str) -> str:
    """The lines between `# --8<-- [start:section]` and `# --8<-- [end:section]` (ValueError if not exactly one)."""
    text = path.read_text(encoding="utf-8")
    starts = re.findall(rf"#\s*--8<--\s*\[start:{re.escape(section)}\]", text)
    ends = re.findall(rf"#\s*--8<--\s*\[end:{re.escape(section)}\]", text)
    if len(starts) != 1 or len(ends) != 1:
        raise ValueError(f"{path.name}: section {section!r} has {len(starts)} start and {len(ends)} end markers")
    return text.split(starts[0], 1)[1].split(ends[0], 1)[0]


def resolves(dotted: str) -> bool:
    """True if `dotted` (e.g. dmm_edu.boundary.distances.minimal_distances) names a module or an object in one."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_chapter_shows_its_code_from_the_package(chapter):
    found = boxes(chapter.read_text(encoding="utf-8"))
    assert found, f"{chapter.name} has no 'The code' box"
    for path, section, page, anchor in found:
        assert path and section, f"{chapter.name}: a 'The code' box without a --8<-- snippet"
        code = section_of(ROOT / path, section)
        assert re.search(r"^\s*(def|class) \w+|=", code, re.M), f"{path}:{section} holds no code"
        assert page and anchor, f"{chapter.name}: the box for {path}:{section} links to no API entry"
        assert (ROOT / "docs" / "api" / f"{page}.md").exists(), page
        pytest.importorskip("torch")  # some anchors name torch-track objects
        assert resolves(anchor), f"{chapter.name}: API anchor {anchor} names nothing in dmm_edu"


def test_the_checks_catch_a_box_that_copies_code_or_points_nowhere(tmp_path):
    copied = '??? tip "The code: a copy"\n    Text ([API reference](../api/boundary.md#dmm_edu.boundary.cling))\n\n' \
             '    ```python\n    def cling(h): return abs(h).mean()\n    ```\n\n'
    assert boxes(copied) == [(None, None, "boundary", "dmm_edu.boundary.cling")]  # no snippet: caught above
    src = tmp_path / "m.py"
    src.write_text("# --8<-- [start:f]\ndef f():\n    return 1\n# --8<-- [end:f]\n# --8<-- [start:f]\n")
    with pytest.raises(ValueError, match="2 start and 1 end"):
        section_of(src, "f")
    with pytest.raises(ValueError, match="0 start"):
        section_of(src, "g")
    assert resolves("dmm_edu.manifold.on_fraction") and not resolves("dmm_edu.manifold.no_such_function")
