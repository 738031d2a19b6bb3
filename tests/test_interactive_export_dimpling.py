"""The data of E8-distances and E9-slices (dmm_edu/interactive/dimpling.py) equals the saved results.

Smoke-profile results: every world's curves equal E8's (per init scale c) and E8i's arrays, the
baselines their metrics; every slice decodes to E9's margins within the grid's step, the distances
and median ratios are E9's. A result without slices is refused with a message naming the cause.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dmm_edu.book import book_results
from dmm_edu.interactive import data_script, figures, ungrid

BUDGET = 700_000  #: bytes: what the brief allows each of these figures


@pytest.fixture(scope="module")
def results():
    return book_results("smoke")


def _eq(shown, array):
    a = np.asarray(array, dtype=float)
    got = np.array([np.nan if v is None else v for v in shown], dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(a))
    np.testing.assert_allclose(got[~np.isnan(a)], a[~np.isnan(a)], rtol=1e-12)


def test_e8_distances_worlds_equal_e8_and_e8i(results):
    data = figures()["E8-distances"].build(results)
    e8, e8i = results["E8"], results["E8i"]
    scales = [float(c) for c in e8.config["init_scales"]]
    assert len(data["worlds"]) == len(scales) + 1
    names = {"d_free": "d_free", "d_on": "d_on", "d_off": "d_off", "ratio": "d_off_over_d_on",
             "train": "train_accuracy", "test": "test_accuracy"}
    for w, c in zip(data["worlds"], scales):
        assert w["epochs"] == [int(e) for e in e8.arrays["epochs"]]
        assert w["baseline"] == e8.metrics["baseline_d_off_over_d_on"]
        for key, array in names.items():
            _eq(w[key], e8.arrays[f"{array}_c{c:g}"])
    digits = data["worlds"][-1]
    assert digits["epochs"] == [int(e) for e in e8i.arrays["epochs"]]
    assert digits["baseline"] == e8i.metrics["baseline_d_off_over_d_on"]
    for key, array in names.items():
        _eq(digits[key], e8i.arrays[array])
    assert digits["train"][0] is None  # E8i measures no train accuracy at init: null, not a number
    assert len(data_script("E8-distances", data).encode()) < BUDGET


def test_e9_slices_equal_e9(results):
    data = figures()["E9-slices"].build(results)
    a, m = results["E9"].arrays, results["E9"].metrics
    assert len(data["points"]) == a["slice_logit_standard"].shape[0]
    for s, p in enumerate(data["points"]):
        assert p["label"] == int(a["slice_label"][s]) and p["index"] == int(a["slice_index"][s])
        np.testing.assert_allclose(p["axis"], a["slice_axis_u"][s], rtol=1e-5)
        for model in ("standard", "adversarial"):
            g = p["logit"][model]
            np.testing.assert_allclose(ungrid(g), a[f"slice_logit_{model}"][s], atol=g["scale"] / 2 + 1e-9)
            for d in ("d_free", "d_on", "d_off"):
                assert p[model][d] == float(a[f"slice_{d}_{model}"][s])
            _eq([p[model]["cross_u"], p[model]["cross_v"]],
                [a[f"slice_cross_u_{model}"][s], a[f"slice_cross_v_{model}"][s]])
    assert data["ratios"] == {d: m[f"ratio_{d}"] for d in ("d_free", "d_on", "d_off")}
    assert len(data_script("E9-slices", data).encode()) < BUDGET


def test_e9_slices_refuses_a_result_without_slices(results):
    r = results["E9"]
    bare = dataclasses.replace(r, arrays={k: v for k, v in r.arrays.items() if not k.startswith("slice_")})
    with pytest.raises(KeyError, match="no slices"):
        figures()["E9-slices"].build({"E9": bare})
