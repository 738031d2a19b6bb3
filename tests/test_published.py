"""The published numbers: each has a named source of a stated kind, the chapters quote them only as
claims, and no chapter types one in its prose.

The prose scan is the registry's guard: a number of another work typed by hand cannot be traced to
its source and drifts when the registry is corrected. It looks for each registered value in the
forms a writer would type it (its book format, other roundings that keep two significant digits, a
share as a percentage or a fraction), outside `{{ claim(...) }}` and outside code blocks. Values
with a single significant digit (0.5, 0.9) and the few settings that are also this book's own
(`SAME_AS_OURS`) cannot be told apart from the book's own numbers by their digits, so they are not
scanned; the claims that quote them are checked like the others.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dmm_edu import claims, published

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PROSE = sorted([*(DOCS / "chapters").glob("*.md"), DOCS / "index.md", *(DOCS / "appendix").glob("*.md")])

#: registry keys whose value is also one of the book's own settings, with the setting it collides with
SAME_AS_OURS = {
    "ilyas.cifar10.attack_eps": "our eps = 0.5 and init scale c = 0.5",
    "ilyas.cifar10.attack_step": "our c = 0.1 and FGSM's eps = 0.1 in an exercise",
    "ilyas.cifar10.attack_steps": "our tilt t = 100 and n = 100",
    "karner.mnist.k": "our own tangent dimension k = 16",
    "karner.mnist.d_free_epochs": "our 40 training epochs",
    "wallace.cifar10.N1_epochs": "every '2' (epoch 2, 2-D, squares)",
    "wallace.cifar10.N2_epochs": "our 50 PGD steps and d = 50",
}


# --- the registry -----------------------------------------------------------------------------

def test_every_number_has_a_source_of_a_known_kind_and_a_place_in_it():
    assert published.NUMBERS, "the registry is empty"
    for key, number in published.NUMBERS.items():
        assert key == number.key and re.fullmatch(r"[a-z]\w*(\.\w+)+", key), key
        assert number.source in published.SOURCES, key
        assert number.measures.strip() and number.where.strip(), key
        assert isinstance(number.value, (int, float)) and not isinstance(number.value, bool), key
        assert number.text() == number.fmt.format(number.value)
    for key, source in published.SOURCES.items():
        assert key == source.key and source.kind in published.KINDS, key
        assert all(s.strip() for s in (source.authors, source.year, source.title, source.venue)), key
        assert source.url.startswith("https://"), key
    used = {n.source for n in published.NUMBERS.values()}
    assert used == set(published.SOURCES), f"sources no number comes from: {set(published.SOURCES) - used}"


def test_karners_numbers_are_marked_as_a_student_repository_not_a_paper():
    karner = [n for n in published.NUMBERS.values() if n.key.startswith("karner.")]
    assert karner and all(published.source_of(n.key).kind == "student reproduction repository" for n in karner)
    assert "github.com/LukasKarner/dimpled-manifolds" in published.SOURCES["karner2023"].url


def test_shares_are_fractions_and_counts_are_integers():
    for number in published.NUMBERS.values():
        if "%" in number.fmt:
            assert 0 <= number.value <= 1, number.key
        if number.fmt.endswith("d}"):
            assert isinstance(number.value, int), number.key


def test_every_source_has_an_entry_in_the_bibliography():
    bibliography = (DOCS / "appendix" / "bibliography.md").read_text()
    for key in published.SOURCES:
        assert re.search(r"^\s*\{ #" + re.escape(key) + r" \}$", bibliography, re.M), key


def test_unknown_key_names_near_matches():
    with pytest.raises(KeyError, match=r"wallace\.cifar10\.N2_test_accuracy"):
        published.get("wallace.cifar10.N2_test_acuracy")
    assert published.value("wallace.cifar10.N2_test_accuracy") == 0.497


def test_the_registry_imports_nothing_from_dmm_edu():
    """Any layer may import it (experiments included) without pulling in the claims or the book."""
    tree = ast.parse((ROOT / "dmm_edu" / "published.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] == "dmm_edu"}, imported


# --- the chapters -------------------------------------------------------------------------------

def test_every_published_claim_in_the_docs_resolves():
    used = sorted({name for page in DOCS.rglob("*.md") for name in claims.names_in(page.read_text())
                   if claims.is_published(name)})
    assert used, "the chapters quote published numbers through claims"
    for name in used:
        value, text, prov = claims.resolve(name, {})
        assert text == published.get(name[len(claims.PUBLISHED):]).text() and prov["kind"] in published.KINDS


def typed_forms(number: published.Number) -> list[re.Pattern]:
    """Regexes for the ways a writer would type `number` (whole numbers only: 2.89 does not match 12.89)."""
    v, forms = number.value, set()
    if "%" in number.fmt:
        pct = {number.text().rstrip("%"), *(f"{100 * v:.{d}f}" for d in (1, 2))}
        forms |= {(t, r"\s*(?:%|\\%|per ?cent)") for t in pct} | {(f"{v:g}", "")}
    elif isinstance(v, int):
        forms |= {(str(v), ""), (f"{v:,}", ""), (f"{v:,}".replace(",", " "), "")}
    else:
        forms |= {(t, "") for t in {number.text(), f"{v:g}", f"{v:.1f}", f"{v:.2f}"}}
    keep = [(t, tail) for t, tail in forms if len(re.sub(r"^[0.]+", "", t).replace(".", "").replace(",", "")) >= 2]
    return [re.compile(r"(?<![\w.])" + re.escape(t) + (tail or r"(?![\w%]|[.,]\d)")) for t, tail in keep]


def prose(markdown: str) -> str:
    """The text a reader sees typed: without fenced code blocks and without claim macros."""
    markdown = re.sub(r"^\s*```.*?^\s*```", " ", markdown, flags=re.S | re.M)
    return claims.PATTERN.sub(" ", markdown)


def typed_published_numbers(markdown: str) -> list[str]:
    """'key: typed text' for every registered published number typed in `markdown`'s prose."""
    text = prose(markdown)
    return [f"{n.key}: {m.group(0)!r}" for n in published.NUMBERS.values() if n.key not in SAME_AS_OURS
            for pattern in typed_forms(n) for m in pattern.finditer(text)]


def test_the_scan_finds_a_typed_published_number_and_passes_its_claim():
    """Negative control: the scan must fail on a number typed by hand, in any of its usual forms."""
    assert typed_published_numbers("Ilyas et al. found 63.3 % for D_rand.") == ["ilyas.cifar10.d_rand: '63.3 %'"]
    assert typed_published_numbers("Karner measured $d_{on}/d_{free} = 2.9$ on MNIST")  # a rounding of 2.89
    assert typed_published_numbers("Wallace's N2 reached 0.497 on CIFAR-10")  # a share as a fraction
    assert typed_published_numbers("a set of 18,768 images")
    assert not typed_published_numbers('Ilyas et al. found {{ claim("published.ilyas.cifar10.d_rand") }}.')
    assert not typed_published_numbers("ratios 12.89, 2.895 and 63.31% are other numbers; so is 2.9.1")
    assert not typed_published_numbers("```python\nrho = 0.11  # code is code\n```\n")


@pytest.mark.parametrize("page", PROSE, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_published_number_is_typed_in_prose(page):
    found = typed_published_numbers(page.read_text())
    assert not found, (f"{page.relative_to(DOCS)} types published numbers by hand; quote them as "
                       f"{{{{ claim(\"published.KEY\") }}}} (dmm_edu/published.py): {found}")
