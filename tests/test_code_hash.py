"""The code hash covers what a result depends on: the experiment's module, the runner and every dmm_edu
module they import (read from the import statements, transitively), and nothing else. Experiments are
leaves: none imports another, so editing one experiment never makes another's results stale."""

import concurrent.futures
import shutil
from pathlib import Path

import pytest

import dmm_edu
from dmm_edu.results import code_files, code_hash
from dmm_edu.results.code import edited_since_loaded

PACKAGE = Path(dmm_edu.__file__).resolve().parent
E10 = "dmm_edu.experiments.e10_mislabeled_images"
E11 = "dmm_edu.experiments.e11_mislabeled_oracle"


@pytest.fixture
def pkg(tmp_path):
    """A copy of the installed package, free to edit."""
    return Path(shutil.copytree(PACKAGE, tmp_path / "dmm_edu", ignore=shutil.ignore_patterns("__pycache__")))


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


# ---------------------------------------------------------------- the real package, copied
@pytest.mark.parametrize("rel", [
    "experiments/e10_mislabeled_images.py",  # its own module
    "experiments/_mislabeled.py",  # the helpers it imports
    "experiments/_mislabeled_images.py",
    "experiments/_images.py",
    "experiments/__init__.py",  # parent packages run on import
    "__init__.py",
    "experiments/base.py",  # the runner that seeds and records every result
])
def test_editing_what_e10_uses_changes_its_hash(pkg, rel):
    before = code_hash(E10, root=pkg)
    edit(pkg / rel)
    assert code_hash(E10, root=pkg) != before


def test_a_module_reached_only_through_a_chain_counts(pkg):
    """E10 → _mislabeled_images → attacks.torch_track.pgd: E10 never names the attack module itself."""
    rel = "attacks/torch_track/pgd.py"
    assert "torch_track" not in (pkg / "experiments/e10_mislabeled_images.py").read_text()
    assert "dmm_edu.attacks.torch_track.pgd" in (pkg / "experiments/_mislabeled_images.py").read_text()
    before, before_e11 = code_hash(E10, root=pkg), code_hash(E11, root=pkg)
    edit(pkg / rel)
    assert code_hash(E10, root=pkg) != before
    # E11's chain reaches the torch attacks too (the numpy attacks dispatch to them inside a function)
    assert code_hash(E11, root=pkg) != before_e11


@pytest.mark.parametrize("rel", [
    "experiments/e03_random_baseline.py",  # another experiment
    "experiments/e12_wallace_control.py",  # a sibling that shares E10's helpers
    "plots/mislabeled_images.py",  # E10's own figures
    "plots/__init__.py",
    "claims",  # a module or a package
    "cli.py",
    "book.py",
])
def test_editing_what_e10_does_not_use_leaves_its_hash(pkg, rel):
    path = pkg / rel / "__init__.py" if (pkg / rel).is_dir() else pkg / (rel if rel.endswith(".py") else rel + ".py")
    before, before_all = code_hash(E10, root=pkg), code_hash(root=pkg)
    edit(path)
    assert code_hash(E10, root=pkg) == before
    assert code_hash(root=pkg) != before_all  # the edit happened: without an experiment, every file counts
    edit(pkg / "experiments/_mislabeled.py")  # negative control: the same edit to a helper E10 uses
    assert code_hash(E10, root=pkg) != before


def test_e11_uses_the_shared_labels_but_not_the_image_helpers(pkg):
    before = code_hash(E11, root=pkg)
    for rel in ("experiments/_mislabeled_images.py", "experiments/_images.py", "torch_nn/models.py"):
        edit(pkg / rel)
    assert code_hash(E11, root=pkg) == before  # E11 is numpy only
    edit(pkg / "experiments/_mislabeled.py")
    assert code_hash(E11, root=pkg) != before


def test_the_hash_is_the_installed_packages_and_does_not_depend_on_where_it_lies(pkg, tmp_path):
    other = Path(shutil.copytree(pkg, tmp_path / "elsewhere" / "dmm_edu"))
    assert code_hash(E10) == code_hash(E10, root=pkg) == code_hash(E10, root=other)
    assert code_files(E10) == sorted(code_files(E10))  # sorted, relative, POSIX
    assert all(not Path(rel).is_absolute() and "\\" not in rel for rel in code_files(E10))


def test_held_hashes_are_read_once_and_the_next_call_reads_the_files_again(pkg):
    from dmm_edu.results.code import hashes_held

    before = code_hash(E10, root=pkg)
    with hashes_held():
        assert code_hash(E10, root=pkg) == before
        edit(pkg / "experiments" / "_images.py")
        assert code_hash(E10, root=pkg) == before  # held: the block promised no edits
        assert code_hash(E11, root=pkg) != before  # another module is hashed on its own
        with hashes_held():  # a nested block shares the outer one's hashes
            assert code_hash(E10, root=pkg) == before
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # another thread holds nothing
            assert pool.submit(code_hash, E10, root=pkg).result() != before
    assert code_hash(E10, root=pkg) != before  # after the block the edit counts


def test_an_unknown_module_is_named():
    with pytest.raises(ValueError, match="experiment_module='dmm_edu.experiments.e99_nothing'"):
        code_hash("dmm_edu.experiments.e99_nothing")


# ---------------------------------------------------------------- how imports are read, on a tiny package
TINY = {
    "__init__.py": "",
    "experiments/__init__.py": "from dmm_edu.experiments.registry import NAMES\n",
    "experiments/registry.py": "NAMES = ()\n",
    "experiments/e01_a.py": "import numpy as np\nfrom dmm_edu.experiments._help import f\n",
    "experiments/_help.py": "def f():\n    from ..lib import deep  # relative, inside a function\n    return deep\n",
    "experiments/e02_b.py": "import dmm_edu.lib.other\nfrom dmm_edu.lib import VALUE, names\n",
    "lib/__init__.py": "VALUE = 1\n",
    "lib/deep.py": "from .leaf import x\n",
    "lib/leaf.py": "x = 1\n",
    "lib/other.py": "x = 1\n",
    "lib/names.py": "x = 1\n",
    "lib/broken.py": "def (:\n",
    "plots/__init__.py": "",
    "plots/fig.py": "from dmm_edu.experiments import e01_a\n",
}


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "dmm_edu"
    for rel, text in TINY.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_imports_are_followed_through_functions_relative_imports_and_parent_packages(tiny):
    assert code_files("dmm_edu.experiments.e01_a", root=tiny) == [
        "__init__.py", "experiments/__init__.py", "experiments/_help.py", "experiments/e01_a.py",
        "lib/__init__.py", "lib/deep.py", "lib/leaf.py"]
    # `import a.b.c` and `from pkg import name`: a submodule where the file exists, else the package
    assert code_files("dmm_edu.experiments.e02_b", root=tiny) == [
        "__init__.py", "experiments/__init__.py", "experiments/e02_b.py",
        "lib/__init__.py", "lib/names.py", "lib/other.py"]


def test_adding_an_experiment_to_the_catalogue_leaves_the_others_results_current(tiny):
    """The catalogue (experiments/registry.py) names experiments; it computes nothing, so editing it
    changes no experiment's hash, while editing a helper an experiment imports does (the control)."""
    before = code_hash("dmm_edu.experiments.e01_a", root=tiny)
    (tiny / "experiments/registry.py").write_text("NAMES = ('E1', 'E2', 'E3')\n")
    assert code_hash("dmm_edu.experiments.e01_a", root=tiny) == before
    edit(tiny / "experiments/_help.py")
    assert code_hash("dmm_edu.experiments.e01_a", root=tiny) != before


def test_a_module_edited_after_it_was_loaded_is_reported(tiny):
    """The stale-code guard of run_cached: only files of the experiment's code, only modules already
    loaded, only edits after the given time; the control, an untouched package, reports nothing."""
    import os
    import time

    loaded = {"dmm_edu.experiments._help": object(), "dmm_edu.lib.leaf": object(), "dmm_edu.lib.other": object()}
    since = time.time() - 60
    for path in tiny.rglob("*.py"):
        os.utime(path, (since - 10, since - 10))
    assert edited_since_loaded("dmm_edu.experiments.e01_a", since, loaded, root=tiny) == []
    for rel in ("experiments/_help.py", "lib/deep.py", "lib/other.py"):  # loaded + used, not loaded, not used
        edit(tiny / rel)
    assert edited_since_loaded("dmm_edu.experiments.e01_a", since, loaded, root=tiny) == ["experiments/_help.py"]
    assert edited_since_loaded("dmm_edu.experiments.e01_a", time.time() + 60, loaded, root=tiny) == []


def test_run_cached_does_not_cache_a_result_of_code_edited_after_import(tmp_path, monkeypatch):
    from dmm_edu.experiments import base

    monkeypatch.setattr(base, "_stale_in_memory", lambda experiment: ["experiments/e03_random_baseline.py"])
    with pytest.warns(RuntimeWarning, match="changed on disk after this process imported it"):
        result = base.run_cached("E3", "smoke", 0, cache=tmp_path)
    assert result.experiment == "E3" and not any(tmp_path.iterdir())  # computed, nothing filed under the key


def test_a_file_that_does_not_parse_is_hashed_but_imports_nothing(tiny):
    (tiny / "experiments/e03_c.py").write_text("from dmm_edu.lib import broken\n")
    assert "lib/broken.py" in code_files("dmm_edu.experiments.e03_c", root=tiny)
    before = code_hash("dmm_edu.experiments.e03_c", root=tiny)
    (tiny / "lib/broken.py").write_text("def (:  \n")
    assert code_hash("dmm_edu.experiments.e03_c", root=tiny) != before


def test_without_an_experiment_every_file_counts(tiny):
    assert code_files(root=tiny) == sorted(TINY)
    before, before_e1 = code_hash(root=tiny), code_hash("dmm_edu.experiments.e01_a", root=tiny)
    edit(tiny / "plots/fig.py")  # a figure that imports the experiment: the experiment does not depend on it
    assert code_hash(root=tiny) != before
    assert code_hash("dmm_edu.experiments.e01_a", root=tiny) == before_e1


# ---------------------------------------------------------------- experiments are leaves
def experiment_modules(root: Path) -> dict[str, str]:
    """{module name: path relative to root} of every experiment module under root/experiments."""
    return {f"dmm_edu.experiments.{p.stem}": p.relative_to(root).as_posix()
            for p in sorted((root / "experiments").glob("e*.py"))}


def other_experiments_reached(module: str, root: Path) -> list[str]:
    """The experiment modules other than `module` that `module` imports, directly or through helpers."""
    experiments = experiment_modules(root)
    return sorted(set(code_files(module, root=root)) & set(experiments.values()) - {experiments[module]})


def test_no_experiment_imports_another():
    modules = experiment_modules(PACKAGE)
    assert len(modules) >= 12  # the glob found the experiments
    reached = {m: other_experiments_reached(m, PACKAGE) for m in modules}
    assert {m: r for m, r in reached.items() if r} == {}, "experiments are leaves: move shared pieces to a _*.py helper"


def test_the_leaf_check_sees_an_experiment_imported_through_a_helper(pkg):
    """Negative control: a helper that imports an experiment inside a function is caught."""
    assert other_experiments_reached(E10, pkg) == []
    helper = pkg / "experiments/_mislabeled.py"
    helper.write_text(helper.read_text() + "\n\ndef late():\n    from . import e03_random_baseline\n")
    assert other_experiments_reached(E10, pkg) == ["experiments/e03_random_baseline.py"]
