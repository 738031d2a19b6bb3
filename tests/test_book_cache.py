"""A warm book build reuses what did not change: executed labs and drawn figures (dmm_edu.book_cache).

A lab is executed again only when its key changes (its text, the profile, a result's content hash,
the dmm_edu code), and a notebook reaches the cache whole or not at all. A figure is redrawn only
when its stamp no longer matches (another result, other plotting code) or a file is missing. The
smoke site that tests/test_book.py builds (one build per session, reused here) links every lab
page to its executed .ipynb and its .py, and its notebooks are the ones the current inputs key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from smoke_runs import smoke
from test_book import ROOT, build_smoke_site, parse

from dmm_edu import book, book_cache
from dmm_edu.book import PROFILE_ENV

LAB = """# %% [markdown]
# # Lab: a tiny one
# %%
import os
print("profile", os.environ.get("DMM_EDU_BOOK_PROFILE"), "threads", os.environ.get("OMP_NUM_THREADS"))
"""


@pytest.fixture
def docs(tmp_path, monkeypatch) -> Path:
    """A docs folder with two labs, and a dmm_edu cache of its own."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    labs = tmp_path / "docs" / "labs"
    labs.mkdir(parents=True)
    for name in ("one", "two"):
        (labs / f"{name}.py").write_text(LAB.replace("a tiny one", name))
    return tmp_path / "docs"


@pytest.fixture
def executed(monkeypatch) -> list[str]:
    """Stands in for the kernels: records which labs were executed and writes an empty notebook for each."""
    import nbformat

    calls = []

    def fake(jobs, profile):
        jobs = list(jobs)
        calls.extend(Path(source).stem for source, _ in jobs)
        return [book_cache.write_notebook(nbformat.v4.new_notebook(), out) for _, out in jobs]

    monkeypatch.setattr(book_cache, "execute_labs", fake)
    return calls


def results() -> dict:
    return {"E3": smoke("E3"), "E4": smoke("E4")}


# --- labs ------------------------------------------------------------------------------------

def test_a_lab_is_executed_again_only_when_its_key_changes(docs, executed):
    first = book_cache.prepare_labs(docs, "smoke", results())
    assert sorted(executed) == ["one", "two"] and all(p.is_file() for p in first.values())
    assert first["one"].name == "one.ipynb"  # what a reader downloads keeps the lab's name

    executed.clear()
    assert book_cache.prepare_labs(docs, "smoke", results()) == first
    assert executed == []  # nothing changed: nothing executed

    (docs / "labs" / "one.py").write_text(LAB.replace("a tiny one", "one, edited"))
    again = book_cache.prepare_labs(docs, "smoke", results())
    assert executed == ["one"] and again["two"] == first["two"] and again["one"] != first["one"]
    assert not first["one"].exists()  # the lab's older notebook at this profile was removed

    executed.clear()
    book_cache.prepare_labs(docs, "book", results())  # another profile: its own notebooks
    assert sorted(executed) == ["one", "two"] and again["two"].is_file()  # the smoke ones are kept


def test_the_key_covers_text_profile_results_and_code(docs):
    lab, r = docs / "labs" / "one.py", results()
    key = book_cache.lab_key(lab, "smoke", r)
    assert key == book_cache.lab_key(lab, "smoke", results())
    assert key != book_cache.lab_key(docs / "labs" / "two.py", "smoke", r)
    assert key != book_cache.lab_key(lab, "book", r)
    assert key != book_cache.lab_key(lab, "smoke", r, package_hash="0" * 64)
    other = dict(r, E3=smoke("E3", seed=1))  # another result: another content hash
    assert other["E3"].content_hash() != r["E3"].content_hash()
    assert key != book_cache.lab_key(lab, "smoke", other)


def test_a_half_written_notebook_never_lands_in_the_cache(tmp_path, monkeypatch):
    import nbformat

    def fail_half_way(nb, f):
        f.write('{"cells": [')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nbformat, "write", fail_half_way)
    out = tmp_path / "labs" / "one.ipynb"
    with pytest.raises(OSError, match="No space left"):
        book_cache.write_notebook(nbformat.v4.new_notebook(), out)
    assert list(out.parent.iterdir()) == []  # neither the notebook nor its temporary file


def test_a_lab_executes_in_a_kernel_with_the_books_profile_and_the_thread_policy(docs, monkeypatch):
    pytest.importorskip("nbclient")
    import nbformat

    monkeypatch.setenv("DMM_EDU_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")  # not the policy's: the kernel must not inherit it
    monkeypatch.setenv(PROFILE_ENV, "smoke")  # the kernel gets the profile it is executed at
    notebooks = book_cache.prepare_labs(docs, "book", results())
    for name in ("one", "two"):
        nb = nbformat.read(notebooks[name], as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert text.strip() == "profile book threads 1", name


def test_a_failing_lab_names_itself_and_leaves_no_notebook(docs):
    pytest.importorskip("nbclient")
    (docs / "labs" / "two.py").unlink()
    (docs / "labs" / "one.py").write_text(LAB + "raise ValueError('this lab is broken')\n")
    with pytest.raises(book_cache.LabError, match=r"(?s)lab one\.py failed .*ValueError: this lab is broken"):
        book_cache.prepare_labs(docs, "smoke", results())
    assert not list((Path(os.environ["DMM_EDU_CACHE"]) / "labs").rglob("*.ipynb"))


# --- figures ---------------------------------------------------------------------------------

def test_a_figure_is_redrawn_only_when_its_stamp_no_longer_matches(tmp_path):
    r = results()
    out = tmp_path / "generated"
    assert book_cache.update_figures(r, out, ["E3", "E4"]) == ["E3", "E4"]
    stamp = out / book_cache.STAMP.format(experiment="E3")
    files = json.loads(stamp.read_text())["files"]
    assert files and all((out / f).is_file() for f in files)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    assert book_cache.update_figures(r, out, ["E3", "E4"]) == []  # nothing changed: nothing drawn
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes

    record = json.loads(stamp.read_text())
    stamp.write_text(json.dumps(dict(record, content_hash="another result")))
    assert book_cache.update_figures(r, out, ["E3", "E4"]) == ["E3"]
    record = json.loads(stamp.read_text())
    stamp.write_text(json.dumps(dict(record, plots_code="other plotting code")))
    assert book_cache.update_figures(r, out, ["E3", "E4"]) == ["E3"]
    (out / files[0]).unlink()  # a figure missing
    assert book_cache.update_figures(r, out, ["E3", "E4"]) == ["E3"] and (out / files[0]).is_file()
    assert book_cache.update_figures(dict(r, E3=smoke("E3", seed=1)), out, ["E3", "E4"]) == ["E3"]


def test_each_figure_is_saved_light_and_dark_and_its_sizes_are_stamped(tmp_path):
    """The stamp lists both themes' files and, per file, the width, smallest font and dpi that the
    PNG itself carries (what the figure hook sizes the figure on the page by)."""
    from PIL import Image

    import dmm_edu.plots

    out = tmp_path / "generated"
    book_cache.update_figures(results(), out, ["E4"])
    stamp = book_cache.read_stamp(out, "E4")
    names = dmm_edu.plots.figure_names("E4")
    assert sorted(stamp["files"]) == sorted([f"E4-{n}.png" for n in names] + [f"E4-{n}.dark.png" for n in names])
    assert set(stamp["figures"]) == set(stamp["files"])
    for name in stamp["files"]:
        record = stamp["figures"][name]
        with Image.open(out / name) as png:
            assert png.width == round(record["width_in"] * record["dpi"])
            assert float(png.text["dmm_edu.min_font_pt"]) == record["min_font_pt"] > 0
            assert float(png.text["dmm_edu.width_in"]) == record["width_in"]
    stamp_path = out / book_cache.STAMP.format(experiment="E4")
    old = {k: v for k, v in stamp.items() if k != "figures"}  # a stamp from before the sizes were recorded
    stamp_path.write_text(json.dumps(old))
    assert book_cache.read_stamp(out, "E4") is None
    assert book_cache.update_figures(results(), out, ["E4"]) == ["E4"]


def test_save_figures_refuses_an_unknown_theme(tmp_path):
    from dmm_edu.plots import save_figures

    for bad in (("sepia",), "dark", ()):
        with pytest.raises(ValueError, match=r"themes"):
            save_figures(smoke("E4"), tmp_path, themes=bad)
    assert not list(tmp_path.iterdir())  # refused before drawing


def test_a_stamp_is_written_only_after_its_figures(tmp_path, monkeypatch):
    import dmm_edu.plots

    def crash(result, out_dir, **kwargs):
        raise RuntimeError("killed while drawing")

    out = tmp_path / "generated"
    book_cache.update_figures(results(), out, ["E3"])
    stamp = out / book_cache.STAMP.format(experiment="E3")
    stamp.write_text(stamp.read_text().replace(results()["E3"].content_hash(), "an older result"))
    monkeypatch.setattr(dmm_edu.plots, "save_figures", crash)
    with pytest.raises(RuntimeError, match="killed"):
        book_cache.update_figures(results(), out, ["E3"])
    assert not stamp.exists()  # the next build redraws E3


# --- the smoke site of tests/test_book.py ------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_smoke_site(tmp_path_factory)


@pytest.mark.slow
def test_every_lab_page_links_to_its_executed_notebook_and_its_script(site):
    for lab in sorted((ROOT / "docs" / "labs").glob("*.py")):
        page = site / "labs" / lab.stem / "index.html"
        downloads = parse(page).downloads
        assert set(downloads) == {f"{lab.stem}.ipynb", lab.name}, downloads
        assert (page.parent / lab.name).read_text() == lab.read_text()
        nb = json.loads((page.parent / f"{lab.stem}.ipynb").read_text())
        assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")  # executed


@pytest.mark.slow
def test_the_sites_notebooks_are_reused_while_nothing_changed(site, tmp_path_factory, monkeypatch):
    """The build's notebooks are the ones today's inputs key: a second build would execute no lab."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(site.parent / "cache"))  # the site's cache (test_book.build_smoke_site)
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    monkeypatch.setattr(book_cache, "execute_labs", lambda jobs, profile: pytest.fail(f"executed {list(jobs)}"))
    notebooks = book_cache.prepare_labs(site.parent / "docs", "smoke", book.book_results("smoke"))
    assert len(notebooks) == len(list((ROOT / "docs" / "labs").glob("*.py")))


@pytest.mark.slow
def test_a_warning_still_fails_the_build_and_its_output_is_in_the_error(site, tmp_path, monkeypatch):
    """mkdocs runs in the build's process now: strict mode and the captured output must survive that."""
    import shutil

    base = site.parent
    monkeypatch.setenv("DMM_EDU_CACHE", str(base / "cache"))  # the site's cache: nothing recomputed
    shutil.copy(base / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(base / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("__pycache__"))  # figures: current
    (tmp_path / "dmm_edu").symlink_to(ROOT / "dmm_edu", target_is_directory=True)
    with (tmp_path / "docs" / "index.md").open("a") as f:
        f.write("\nSee [the missing page](no-such-page.md).\n")
    cwd = os.getcwd()
    with pytest.raises(book.BookBuildError, match=r"(?s)no-such-page\.md.*strict mode"):
        book.build("smoke", tmp_path / "site", tmp_path / "mkdocs.yml", progress=None, quiet=True)
    assert os.getcwd() == cwd
