"""Saved results: round trip, content hash, atomic writes, refusing foreign folders.
(The faults, one class at a time, are in test_faults_results.py.)"""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from dmm_edu.cli import main
from dmm_edu.experiments.base import config_for, run_experiment
from dmm_edu.results import CorruptResultError, OutputFolderError, Result, is_result_dir, load_result, save_result


def make_result(rng):
    return Result("E3", "smoke", 7, {"n": 5, "dims": [[1, 2]]}, {"a": 0.5, "nested": {"b": [1, 2]}},
                  {"x": rng.normal(size=(4, 3)), "y": np.arange(4)}, {"versions": {"numpy": np.__version__}})


def test_round_trip_keeps_everything(tmp_path, rng):
    r = make_result(rng)
    save_result(r, tmp_path / "out")
    back = load_result(tmp_path / "out")
    assert (back.experiment, back.profile, back.seed, back.config, back.metrics) == \
        (r.experiment, r.profile, r.seed, r.config, r.metrics)
    for k in r.arrays:
        np.testing.assert_array_equal(back.arrays[k], r.arrays[k])
    assert back.content_hash() == r.content_hash()


def test_content_hash_sees_any_change(rng):
    r = make_result(rng)
    h = r.content_hash()
    r.arrays["x"][0, 0] += 1e-12
    assert r.content_hash() != h
    r2 = make_result(np.random.default_rng(0))
    r2.metrics["a"] = 0.5000001
    assert r2.content_hash() != make_result(np.random.default_rng(0)).content_hash()


def test_tampered_result_is_rejected(tmp_path, rng):
    save_result(make_result(rng), tmp_path / "out")
    record = json.loads((tmp_path / "out" / "metrics.json").read_text())
    record["metrics"]["a"] = 0.9
    (tmp_path / "out" / "metrics.json").write_text(json.dumps(record))
    with pytest.raises(CorruptResultError, match="content hash mismatch"):
        load_result(tmp_path / "out")


def test_foreign_folder_is_never_overwritten(tmp_path, rng):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="out=.*not a dmm_edu result"):
        save_result(make_result(rng), tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_earlier_result_is_replaced(tmp_path, rng):
    save_result(make_result(rng), tmp_path / "out")
    r = make_result(rng)
    r.metrics["a"] = 1.5
    save_result(r, tmp_path / "out")
    assert load_result(tmp_path / "out").metrics["a"] == 1.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folders left


def test_interrupted_write_leaves_nothing_that_looks_complete(tmp_path, rng, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(KeyboardInterrupt):
        save_result(make_result(rng), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not any(is_result_dir(p) for p in tmp_path.iterdir())
    assert list(tmp_path.iterdir()) == []


def test_run_records_provenance(tmp_path):
    r = run_experiment("E3", "smoke", seed=3, out=tmp_path / "e3")
    prov = load_result(tmp_path / "e3").provenance
    assert prov["versions"]["numpy"] == np.__version__ and len(prov["code_hash"]) == 64
    assert prov["duration_s"] >= 0
    assert r.config == load_result(tmp_path / "e3").config


def test_same_seed_same_result_different_seed_different():
    a, b = run_experiment("E3", "smoke", seed=1), run_experiment("E3", "smoke", seed=1)
    c = run_experiment("E3", "smoke", seed=2)
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_bad_experiment_profile_seed_and_override():
    with pytest.raises(ValueError, match=r"experiment='E99'"):
        run_experiment("E99")
    with pytest.raises(ValueError, match=r"profile='huge'"):
        run_experiment("E3", "huge")
    with pytest.raises(ValueError, match=r"seed='1' .*non-negative integer"):
        run_experiment("E3", "smoke", seed="1")
    with pytest.raises(ValueError, match=r"seed=-1"):
        run_experiment("E3", "smoke", seed=-1)
    with pytest.raises(ValueError, match=r"unknown config field\(s\) \['widht'\]"):
        config_for("E3", "smoke", widht=3)
    # every catalogued experiment runs today: a planned one (no module yet) is refused by name
    from dmm_edu.experiments import registry

    planned = registry.ExperimentSpec("E15", "A planned experiment", ("C1",))
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(registry.EXPERIMENTS, "E15", planned)
        with pytest.raises(ValueError, match=r"experiment='E15' is planned but not implemented"):
            run_experiment("E15")


def test_cli_run_writes_metrics_and_refuses_foreign_out(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--seed", "4", "--out", str(tmp_path / "r")])
    assert ok.exit_code == 0, ok.output
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["seed"] == 4
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("x")
    bad = runner.invoke(main, ["run", "E3", "--profile", "smoke", "--out", str(tmp_path / "mine")])
    assert bad.exit_code == 2 and "--out" in bad.output
    assert runner.invoke(main, ["run", "E3", "--profile", "tiny"]).exit_code == 2
    assert runner.invoke(main, ["run", "E3", "--seed", "x"]).exit_code == 2
    assert "not an experiment" in runner.invoke(main, ["run", "E42"]).output


def test_failed_replacement_brings_the_earlier_result_back(tmp_path, rng, monkeypatch):
    import os

    save_result(make_result(rng), tmp_path / "out")
    before = load_result(tmp_path / "out").content_hash()
    real_replace, calls = os.replace, []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 3:  # the earlier pair is aside; moving the new arrays into place fails
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    new = make_result(rng)
    new.metrics["a"] = 2.0
    with pytest.raises(OutputFolderError, match="out=.*disk full.*earlier result there is kept"):
        save_result(new, tmp_path / "out")
    monkeypatch.setattr(os, "replace", real_replace)
    assert load_result(tmp_path / "out").content_hash() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_run_cached_reuses_until_config_or_code_changes(tmp_path, monkeypatch):
    import dmm_edu.experiments.base as base
    from dmm_edu.experiments import e03_random_baseline

    calls = []
    real_run = e03_random_baseline.run
    monkeypatch.setattr(e03_random_baseline, "run", lambda *a, **k: calls.append(1) or real_run(*a, **k))
    first = base.run_cached("E3", "smoke", seed=1, cache=tmp_path)
    again = base.run_cached("E3", "smoke", seed=1, cache=tmp_path)
    assert len(calls) == 1 and again.content_hash() == first.content_hash()
    base.run_cached("E3", "smoke", seed=1, cache=tmp_path, n_vectors=500)  # another config: another run
    assert len(calls) == 2
    monkeypatch.setattr(base, "code_hash", lambda *a: "edited")  # the code changed: the result is stale
    base.run_cached("E3", "smoke", seed=1, cache=tmp_path)
    assert len(calls) == 3 and len(list(tmp_path.iterdir())) == 3
