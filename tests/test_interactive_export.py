"""dmm_edu.interactive: what the browser draws equals the saved results, and the export is cached safely.

The E1 frames, cling, accuracy and steps in E1-scrub's data script equal the E1 result (to the
export's rounding); the grid encoding round-trips and refuses values it cannot hold; a second
export with nothing changed writes nothing, a changed result is exported again; a figure over the
size budget, an unknown name or a missing result fails with a message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from dmm_edu import interactive
from dmm_edu.interactive import clinging


@pytest.fixture(scope="module")
def smoke_results():
    from dmm_edu.book import book_results

    return book_results("smoke")


def test_grid_round_trips_nan_and_refuses_values_it_cannot_hold(rng):
    a = rng.normal(size=(3, 5, 7))
    a[0, 1, 2] = np.nan
    back = interactive.ungrid(interactive.grid(a, 1e-3))
    assert np.isnan(back[0, 1, 2]) and back.shape == a.shape
    ok = ~np.isnan(a)
    assert np.max(np.abs(back[ok] - a[ok])) <= 0.5e-3 + 1e-12
    with pytest.raises(ValueError, match="scale=0.0001 is too small"):
        interactive.grid(np.array([5.0]), 1e-4)


def test_numbers_rounds_and_turns_non_finite_values_into_null():
    assert interactive.numbers([1.23456789, np.nan, np.inf, -0.000123456]) == [1.235, None, None, -0.0001235]


def test_e1_scrub_data_equals_the_e1_result(smoke_results, tmp_path):
    interactive.export(smoke_results, tmp_path, ["E1-scrub"])
    name, data = interactive.read_export(tmp_path / "E1-scrub.js")
    r = smoke_results["E1"]
    assert name == "E1-scrub"
    assert data["provenance"]["E1"]["seed"] == r.seed and data["s_max"] == r.config["s_max"]
    groups = [g for g in r.metrics["groups"] if g.startswith("board_")]
    assert [rec["key"] for rec in data["recipes"]] == [g.removeprefix("board_") for g in groups]
    for rec, group in zip(data["recipes"], groups):
        assert len(rec["seeds"]) == r.metrics[group]["n_seeds"]
        for i, seed in enumerate(rec["seeds"]):
            p = f"{group}_s{i}_scrub_"
            assert seed["steps"] == r.arrays[p + "steps"].tolist()
            frames = interactive.ungrid(seed["frames"])
            want = r.arrays[p + "frames"]
            assert frames.shape == want.shape
            assert np.array_equal(np.isnan(frames), np.isnan(want))
            assert np.nanmax(np.abs(frames - want)) <= clinging.HEIGHT_SCALE / 2 + 1e-7
            for key in ("cling", "missing", "accuracy"):
                assert np.allclose(seed[key], r.arrays[p + key], rtol=1e-3, atol=1e-9), (group, i, key)
            assert seed["clock"] == r.metrics[group]["clock"][i]
    # the scrub frames include every fraction of tau the static figures show
    assert set(r.arrays["board_B_s0_steps"].tolist()) <= set(r.arrays["board_B_s0_scrub_steps"].tolist())


def test_export_is_cached_and_redone_when_a_result_changes(smoke_results, tmp_path, monkeypatch):
    assert interactive.export(smoke_results, tmp_path, ["E1-scrub"]) == ["E1-scrub"]
    before = (tmp_path / "E1-scrub.js").stat().st_mtime_ns
    assert interactive.export(smoke_results, tmp_path, ["E1-scrub"]) == []
    assert (tmp_path / "E1-scrub.js").stat().st_mtime_ns == before
    changed = dict(smoke_results)

    class Other:  # the same result under another content hash, as a rerun with changed numbers gives
        def __init__(self, r):
            self.__dict__.update(r.__dict__)

        def content_hash(self):
            return "0" * 64

    changed["E1"] = Other(smoke_results["E1"])
    assert interactive.export(changed, tmp_path, ["E1-scrub"]) == ["E1-scrub"]
    assert not list(tmp_path.glob("*.part"))


def test_export_refuses_unknown_names_missing_results_and_data_over_budget(smoke_results, tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="names=\\['E99-nothing'\\] are not interactive figures"):
        interactive.export(smoke_results, tmp_path, ["E99-nothing"])
    with pytest.raises(KeyError, match="reads \\['E1'\\]"):
        interactive.export({}, tmp_path, ["E1-scrub"])
    monkeypatch.setattr(interactive, "SIZE_BUDGET", 1000)
    with pytest.raises(ValueError, match="over the budget of 1,000"):
        interactive.export(smoke_results, tmp_path / "small", ["E1-scrub"])
    assert not (tmp_path / "small" / "E1-scrub.js").exists()


def test_every_figure_fits_the_budget_at_the_smoke_profile(smoke_results, tmp_path):
    interactive.export(smoke_results, tmp_path)
    for path in tmp_path.glob("*.js"):
        assert path.stat().st_size <= interactive.SIZE_BUDGET, path.name


def test_read_export_refuses_a_file_it_did_not_write(tmp_path):
    other = tmp_path / "x.js"
    other.write_text("console.log(1)", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a data script"):
        interactive.read_export(other)
