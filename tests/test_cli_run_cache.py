"""`dmm-edu run` goes through the results cache: a run the cache holds is copied into --out (under the
thread policy it would compute the same numbers), --fresh computes it again, and --out is still
checked before any work."""

from __future__ import annotations

from click.testing import CliRunner

from dmm_edu.cli import main
from dmm_edu.experiments import base
from dmm_edu.results import load_result


def _spy(monkeypatch) -> list:
    module = base.load_module("E3")
    real, calls = module.run, []

    def counting(config, rng, progress=None):
        calls.append(1)
        return real(config, rng, progress=progress)

    monkeypatch.setattr(module, "run", counting)
    return calls


def test_a_cached_run_is_copied_and_fresh_computes_again(tmp_path, monkeypatch):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    calls = _spy(monkeypatch)
    runner = CliRunner()
    first = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert calls == [1] and "from the cache" not in first.output
    again = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--out", str(tmp_path / "b")])
    assert again.exit_code == 0 and calls == [1] and "from the cache" in again.output, again.output
    a, b = load_result(tmp_path / "a"), load_result(tmp_path / "b")
    assert a.content_hash() == b.content_hash()
    fresh = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--out", str(tmp_path / "c"), "--fresh"])
    assert fresh.exit_code == 0 and calls == [1, 1] and "from the cache" not in fresh.output, fresh.output
    other = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--seed", "1", "--out", str(tmp_path / "d")])
    assert other.exit_code == 0 and calls == [1, 1, 1]  # another seed is another run


def test_a_bad_out_fails_before_the_cache_is_read_or_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    calls = _spy(monkeypatch)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    out = CliRunner().invoke(main, ["run", "E3", "--profile", "smoke", "--out", str(tmp_path / "mine")])
    assert out.exit_code == 2 and "--out" in out.output and calls == []
    assert not (tmp_path / "cache").exists()


def test_fresh_replaces_the_cached_copy_and_a_changed_config_gets_its_own_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    calls = _spy(monkeypatch)
    runner = CliRunner()
    assert runner.invoke(main, ["run", "E3", "--profile", "smoke"]).exit_code == 0
    fresh = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--fresh"])
    assert fresh.exit_code == 0 and calls == [1, 1], fresh.output
    cached = base.load_cached("E3", "smoke", 0)
    assert cached.provenance["created"] == load_result(tmp_path / "results" / "E3-smoke-s0").provenance["created"]
    changed = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--set", "n_points=50"])
    assert changed.exit_code == 0, changed.output
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert folders[0] == "E3-smoke-s0" and len(folders) == 2 and folders[1].startswith("E3-smoke-s0-set-")
    assert load_result(tmp_path / "results" / "E3-smoke-s0").config["n_points"] != 50  # not replaced


def test_a_bad_thread_variable_is_a_usage_error_not_a_traceback(monkeypatch):
    for var, word in (("DMM_EDU_THREADS", "threads"), ("DMM_EDU_CORES", "cores")):
        monkeypatch.setenv(var, "zero")
        out = CliRunner().invoke(main, ["run", "E3", "--profile", "smoke"])
        assert out.exit_code == 2 and "Traceback" not in out.output, out.output
        assert f"{var}='zero'" in out.output and f"whole number of {word}" in out.output
        monkeypatch.delenv(var)
