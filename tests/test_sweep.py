"""`dmm-edu sweep` and `--set`: one experiment over seeds, summarised; config fields set from the command line.

The summary is checked against numbers computed from each seed's own run; a repeated sweep must read
the cache (no experiment runs, no result folder is rewritten); a wrong `--set` must stop the command
before any work; every field type of every experiment's config must survive a trip through its
written form; and a sweep on a two-worker Dask cluster on 127.0.0.1 must return the local numbers.
All on E3 (the random baseline), whose smoke profile takes a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import math
import typing

import numpy as np
import pytest
from click.testing import CliRunner

from dmm_edu import sweep as sweep_module
from dmm_edu.cli import main
from dmm_edu.experiments import base
from dmm_edu.experiments.overrides import format_value, parse_overrides, parse_value
from dmm_edu.results import Result
from dmm_edu.sweep import SweepResult, flat_numbers, local_processes, parse_seeds, sweep


def _no_compute(*args, **kwargs):
    raise AssertionError("an experiment ran")


def _folders(cache):
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


# ---------------------------------------------------------------- the summary


def test_summary_is_the_median_and_range_of_each_seeds_own_run(tmp_path):
    seeds = [0, 1, 2]
    result = sweep("e3", seeds, "smoke", workers=1, cache=tmp_path)
    assert result.experiment == "E3" and result.seeds == (0, 1, 2)
    alone = [base.run_experiment("E3", "smoke", s) for s in seeds]  # each seed on its own, no cache
    for r, a in zip(result.results, alone):
        assert r.seed == a.seed and r.metrics == a.metrics
    summary = result.summary()
    names = [name for name, _ in flat_numbers(alone[0].metrics)]
    assert list(summary) == names and "n200_k10.on_random_mean" in names
    for name in names:
        values = np.array([dict(flat_numbers(a.metrics))[name] for a in alone])
        s = summary[name]
        assert (s.median, s.min, s.max) == (np.median(values), values.min(), values.max())
        assert (s.n_finite, s.n_seeds) == (3, 3)
    assert summary["n200_k10.on_random_mean"].min < summary["n200_k10.on_random_mean"].max  # the seeds differ


def test_summary_counts_only_finite_values():
    def result(seed, metrics):
        return Result("E3", "smoke", seed, {}, metrics)

    sr = SweepResult("E3", "smoke", (0, 1, 2, 3), {}, [
        result(0, {"a": 1.0, "g": {"b": math.nan}, "flag": True, "curve": [1, 2]}),
        result(1, {"a": math.nan, "g": {"b": math.inf}}),
        result(2, {"a": 3.0, "g": {"b": 5}}),
        result(3, {"g": {"b": math.nan}}),  # no "a" at all
    ])
    s = sr.summary()
    assert list(s) == ["a", "g.b"]  # booleans and lists are not metrics to summarise
    assert (s["a"].median, s["a"].min, s["a"].max, s["a"].n_finite, s["a"].n_seeds) == (2.0, 1.0, 3.0, 2, 4)
    assert (s["g.b"].median, s["g.b"].n_finite) == (5.0, 1)
    a = sr.values()["a"]
    assert a[0] == 1.0 and math.isnan(a[1]) and a[2] == 3.0 and math.isnan(a[3])


# ---------------------------------------------------------------- the cache


def test_a_repeated_sweep_reads_the_cache_and_rewrites_nothing(tmp_path, monkeypatch):
    first = sweep("E3", range(2), "smoke", workers=1, cache=tmp_path)
    folders = _folders(tmp_path)
    assert len(folders) == 2
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    monkeypatch.setattr(base, "run_experiment", _no_compute)  # a second sweep may not compute anything
    again = sweep("E3", range(2), "smoke", workers=1, cache=tmp_path)
    assert [r.content_hash() for r in again.results] == [r.content_hash() for r in first.results]
    assert (first.workers, again.workers) == (1, 0)  # computed in this process; then only read
    assert again.summary() == first.summary()
    assert _folders(tmp_path) == folders
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == stamps


def test_the_sweep_looks_in_the_folder_run_cached_writes(tmp_path, monkeypatch):
    made = base.run_cached("E3", "smoke", 4, cache=tmp_path, n_points=20)
    monkeypatch.setattr(base, "run_experiment", _no_compute)
    found = sweep("E3", [4], "smoke", {"n_points": 20}, workers=1, cache=tmp_path)
    assert found.results[0].content_hash() == made.content_hash()


def test_a_failing_seed_is_named_and_the_others_stay_cached(tmp_path, monkeypatch):
    real = base.run_experiment

    def fails_on_seed_1(experiment, profile, seed, *args, **kwargs):
        if seed == 1:
            raise FloatingPointError("the loss diverged")
        return real(experiment, profile, seed, *args, **kwargs)

    monkeypatch.setattr(base, "run_experiment", fails_on_seed_1)
    out = CliRunner().invoke(main, ["sweep", "E3", "--seeds", "0:3", "--profile", "smoke", "--workers", "1",
                                    "--cache", str(tmp_path)])
    assert out.exit_code == 1 and "seed 1 failed: FloatingPointError: the loss diverged" in out.output, out.output
    assert [n.split("-")[2] for n in _folders(tmp_path)] == ["s0"]  # seed 0 done and kept; seed 2 never started


# ---------------------------------------------------------------- the command line


def test_cli_sweep_prints_each_metric_and_matches_a_serial_sweep(tmp_path):
    out = CliRunner().invoke(main, ["sweep", "E3", "--seeds", "0:2", "--profile", "smoke",
                                    "--cache", str(tmp_path / "a")])
    assert out.exit_code == 0, out.output
    assert "over seeds 0:2 (2 seeds" in out.output
    serial = sweep("E3", range(2), "smoke", workers=1, cache=tmp_path / "b")  # in this process, one at a time
    table = out.output.split("finite\n", 1)[1]  # the rows after the header line
    lines = {line.split()[0]: line.split() for line in table.splitlines() if line.startswith("  ")}
    assert set(lines) == set(serial.summary())
    for name, s in serial.summary().items():
        words = lines[name]  # name, median, min, "-", max, finite
        assert [float(words[1]), float(words[2]), float(words[4])] == pytest.approx([s.median, s.min, s.max],
                                                                                  rel=1e-3)
        assert words[5] == "2/2"
    assert len(_folders(tmp_path / "a")) == 2


def test_cli_sweep_json_and_set(tmp_path):
    import json

    out = CliRunner().invoke(main, ["sweep", "E3", "--seeds", "1:3", "--profile", "smoke", "--set", "n_points=20",
                                    "--workers", "1", "--cache", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output[out.output.index("{"):])
    assert report["seeds"] == [1, 2] and report["set"] == ["n_points=20"]
    direct = base.run_experiment("E3", "smoke", 2, n_points=20)
    assert report["metrics"]["n50_k25.on_random_mean"]["values"][1] == direct.metrics["n50_k25"]["on_random_mean"]
    assert all(r["config"]["n_points"] == 20 for r in map(_record, tmp_path.iterdir()))


def _record(folder):
    import json

    return json.loads((folder / "metrics.json").read_text())


@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("pair, words", [
    ("foo=1", ["'foo' is not a config field of E3", "n_points"]),  # unknown: the accepted fields listed
    ("n_points=abc", ["n_points='abc'", "an integer"]),  # wrong type: what it accepts
    ("dims=200:10,50", ["dims=", "written like 3:3,3:3"]),
    ("n_points=0", ["n_points=0", ">= 1"]),  # out of the experiment's range (its check_config)
    ("n_points", ["key=value"]),
])
def test_a_wrong_set_fails_before_any_work(tmp_path, monkeypatch, command, pair, words):
    monkeypatch.setattr(base, "run_experiment", _no_compute)
    monkeypatch.setattr(sweep_module, "_one_seed", _no_compute)
    place = ["--out", str(tmp_path / "out")] if command == "run" else ["--seeds", "0:2", "--cache", str(tmp_path / "out")]
    out = CliRunner().invoke(main, [command, "E3", "--profile", "smoke", *place, "--set", pair])
    assert out.exit_code == 2, out.output
    assert "--set" in out.output
    for word in words:
        assert word in " ".join(out.output.split())
    assert not (tmp_path / "out").exists()  # no result folder, no cache folder


def test_run_with_set_records_the_changed_field(tmp_path):
    out = CliRunner().invoke(main, ["run", "E3", "--profile", "smoke", "--set", "n_points=20", "--set", "c=2",
                                    "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    config = _record(tmp_path / "r")["config"]
    assert (config["n_points"], config["c"]) == (20, 2.0)
    assert config["n_vectors"] == base.config_for("E3", "smoke").n_vectors  # the others as the profile has them


@pytest.mark.parametrize("args, where", [
    (["--seeds", "3:1"], "--seeds"), (["--seeds", "5"], "--seeds"), (["--seeds", "-1:2"], "--seeds"),
    (["--seeds", "0:2", "--backend", "dask"], "--scheduler"),
    (["--seeds", "0:2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
    (["--seeds", "0:2", "--workers", "0"], "--workers"),
])
def test_cli_sweep_bad_arguments_are_named(tmp_path, args, where):
    out = CliRunner().invoke(main, ["sweep", "E3", "--profile", "smoke", "--cache", str(tmp_path / "c"), *args])
    assert out.exit_code == 2 and where in out.output, out.output
    assert not (tmp_path / "c").exists()


# ---------------------------------------------------------------- seeds and processes


def test_parse_seeds_is_pythons_half_open_range():
    assert parse_seeds("0:3") == range(0, 3) and list(parse_seeds("5:7")) == [5, 6]
    for bad in ("3:3", "4:2", "x:3", "3", "-1:2", "1:2:3"):
        with pytest.raises(ValueError, match="seeds="):
            parse_seeds(bad)


def test_local_processes_keep_processes_times_threads_within_the_cores(monkeypatch):
    from dmm_edu import threads

    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    assert local_processes(10) == 8 and local_processes(3) == 3
    assert local_processes(10, inner=2) == 4  # an experiment with two processes of its own (E1's workers)
    assert local_processes(10, requested=2) == 2 and local_processes(10, requested=50) == 8  # capped
    monkeypatch.setenv(threads.ENV_VAR, "4")
    assert local_processes(10) == 2 and local_processes(10, inner=2) == 1 and local_processes(10, inner=4) == 1


def test_sweep_checks_its_arguments_first(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "_one_seed", _no_compute)
    for kwargs, match in [({"seeds": []}, "seeds="), ({"seeds": [1, 1]}, "seeds="), ({"seeds": [-1]}, "seed="),
                          ({"seeds": [0], "backend": "ray"}, "backend="),
                          ({"seeds": [0], "overrides": {"n_points": "5"}}, "n_points="),
                          ({"seeds": [0], "backend": "dask"}, "scheduler"),
                          ({"seeds": [0], "workers": 0}, "workers=")]:
        with pytest.raises(ValueError, match=match):
            sweep("E3", profile="smoke", cache=tmp_path / "c", **kwargs)
    assert not (tmp_path / "c").exists()


# ---------------------------------------------------------------- the written forms of config values


@pytest.mark.parametrize("hint, text, value", [
    (int, "50", 50), (int, " -3 ", -3),
    (float, "0.05", 0.05), (float, "2", 2.0), (float, "1e-3", 1e-3),
    (bool, "true", True), (bool, "False", False), (bool, "no", False), (bool, "1", True),
    (str, "float32", "float32"),
    (int | None, "none", None), (int | None, "7", 7), (float | None, "None", None), (float | None, "0.5", 0.5),
    (tuple[float, ...], "0.1,0.2", (0.1, 0.2)), (tuple[float, ...], "2", (2.0,)), (tuple[float, ...], "", ()),
    (tuple[int, ...], "0,1,2,5", (0, 1, 2, 5)), (tuple[str, ...], "B,small_init", ("B", "small_init")),
    (tuple[int, int], "16,32", (16, 32)),
    (tuple[tuple[int, int], ...], "200:10,50:25", ((200, 10), (50, 25))),
    (tuple[tuple[str, str], ...], "rand:off,det:off", (("rand", "off"), ("det", "off"))),
    (tuple[int, ...] | None, "none", None), (tuple[int, ...] | None, "1,3", (1, 3)),
])
def test_parse_value_reads_each_annotated_type_and_round_trips(hint, text, value):
    parsed = parse_value(text, hint, "field")
    assert parsed == value and type(parsed) is type(value)
    assert parse_value(format_value(value, hint), hint, "field") == value


@pytest.mark.parametrize("hint, text, words", [
    (int, "2.5", "an integer"), (int, "", "an integer"), (float, "abc", "a number"), (float, "nan", "finite"),
    (float, "inf", "finite"), (bool, "maybe", "true"), (int | None, "nil", "none"),
    (tuple[float, ...], "0.1,x", "written like 0.5,0.5"), (tuple[int, int], "1,2,3", "written like 3,3"),
    (tuple[tuple[int, int], ...], "200:10:3", "written like 3:3,3:3"),
])
def test_parse_value_names_the_field_and_what_it_accepts(hint, text, words):
    with pytest.raises(ValueError, match="field=") as err:
        parse_value(text, hint, "field")
    assert words in str(err.value)


def test_every_config_field_of_every_experiment_round_trips():
    """The configs' own values, written out and read back, give the same config: each field type the
    experiments use can be set from the command line."""
    from dmm_edu.experiments.registry import EXPERIMENTS

    checked = 0
    for eid, spec in EXPERIMENTS.items():
        if not spec.available:
            continue
        config = base.config_for(eid, "smoke")
        pairs = []
        for name, hint in typing.get_type_hints(type(config)).items():
            value = getattr(config, name)
            if dataclasses.is_dataclass(hint):  # a nested config (Recipe): one field at a time
                pairs += [f"{name}.{n}={format_value(getattr(value, n), h)}"
                          for n, h in typing.get_type_hints(hint).items()]
            else:
                pairs.append(f"{name}={format_value(value, hint)}")
        assert base.config_for(eid, "smoke", **parse_overrides(eid, "smoke", pairs)) == config, eid
        checked += len(pairs)
    assert checked > 100


def test_a_nested_field_is_set_with_a_dot_and_the_rest_kept():
    overrides = parse_overrides("E4", "smoke", ["recipe.n_train=500", "recipe.hidden=32,32", "init_scales=1"])
    config = base.config_for("E4", "smoke", **overrides)
    before = base.config_for("E4", "smoke")
    assert (config.recipe.n_train, config.recipe.hidden, config.init_scales) == (500, (32, 32), (1.0,))
    assert config.recipe.n_test == before.recipe.n_test and config.recipe.lr == before.recipe.lr
    for pairs, match in [(["recipe=3"], "recipe.FIELD=value"), (["recipe.bogus=1"], "recipe.n_train"),
                         (["init_scales=1", "init_scales=2"], "set twice"), (["init_scales.x=1"], "no fields")]:
        with pytest.raises(ValueError, match=match):
            parse_overrides("E4", "smoke", pairs)


# ---------------------------------------------------------------- Dask


def test_a_sweep_on_a_local_dask_cluster_gives_the_local_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        on_dask = sweep("E3", range(2), "smoke", backend="dask", scheduler=cluster.scheduler_address,
                        cache=tmp_path / "dask")
    here = sweep("E3", range(2), "smoke", workers=1, cache=tmp_path / "here")
    assert [r.metrics for r in on_dask.results] == [r.metrics for r in here.results]
    assert on_dask.summary() == here.summary() and on_dask.workers is None
    assert [n.split("-")[:3] for n in _folders(tmp_path / "dask")] == [["E3", "smoke", "s0"], ["E3", "smoke", "s1"]]
    assert _folders(tmp_path / "dask") == _folders(tmp_path / "here")  # the same cache keys: the same code and config
