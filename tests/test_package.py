"""The package as a user meets it: a light import, the CLI, the tour."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dmm_edu.cli import main


def test_import_is_light():
    code = ("import sys, dmm_edu, dmm_edu.numpy_nn, dmm_edu.data.synthetic, dmm_edu.manifold, dmm_edu.attacks, "
            "dmm_edu.boundary, dmm_edu.experiments.base, dmm_edu.results, dmm_edu.cli, dmm_edu.tour;"
            "print(sorted(m for m in ('torch', 'matplotlib', 'manim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("doctor", "list", "tour"):
        assert command in result.output


def test_doctor_reports_versions_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "c"))
    result = CliRunner().invoke(main, ["doctor", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    import numpy

    assert report["packages"]["numpy"] == numpy.__version__
    assert report["python"] == ".".join(map(str, sys.version_info[:3]))
    assert report["cache"] == str(tmp_path / "c")
    assert set(report["system"]) == {"cairo", "pangocairo"}


def test_cache_follows_xdg(tmp_path, monkeypatch):
    from dmm_edu.cache import cache_dir

    monkeypatch.delenv("DMM_EDU_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "dmm_edu"


def test_list_names_every_experiment():
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    from dmm_edu.experiments.registry import EXPERIMENTS

    ids = [line.split()[0] for line in lines]
    assert ids == list(EXPERIMENTS) and {f"E{i}" for i in range(1, 15)} <= set(ids)


def test_unknown_command_and_bad_option_fail_clearly():
    runner = CliRunner()
    assert runner.invoke(main, ["fly"]).exit_code != 0
    bad = runner.invoke(main, ["tour", "--c", "-1"])
    assert bad.exit_code == 2 and "--c" in bad.output


def test_tour_runs_and_reports_the_geometry():
    """The smallest budget of the tour; the figures must be self-consistent, not specific."""
    result = CliRunner().invoke(main, ["tour", "--epochs", "3", "--json"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.output[result.output.index("{"):])
    assert r["random_baseline"] == pytest.approx((5 / 100) ** 0.5)
    assert r["test_accuracy"] > 0.5  # 4 classes: chance is 0.25
    assert r["attack_success_rate"] > 0.9
    assert 0 < r["median_distance"] < r["median_other_class_distance"]
    # init scale 2.5 is the regime where the minimal perturbation leans along the manifold more than a
    # random direction does, yet is far from lying in it (E4/E5)
    assert r["random_baseline"] < r["median_on_fraction"] < 0.95


def test_plot_command_draws_a_saved_result(tmp_path):
    pytest.importorskip("matplotlib")
    runner = CliRunner()
    assert runner.invoke(main, ["run", "E2", "--profile", "smoke", "--out", str(tmp_path / "e2")]).exit_code == 0
    result = runner.invoke(main, ["plot", str(tmp_path / "e2"), "--out", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert written == sorted(line.split("/")[-1] for line in result.output.split())
    assert all((tmp_path / "figs" / name).stat().st_size > 1000 for name in written)
    (tmp_path / "empty").mkdir()
    bad = runner.invoke(main, ["plot", str(tmp_path / "empty")])
    assert bad.exit_code == 1 and "does not hold a dmm_edu result" in bad.output
