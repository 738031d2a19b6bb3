"""E5-explorer (dmm_edu.interactive.on_off): the data the browser draws equals the E5 result.

Every sliced point's margin grid equals E5's slice (to the export's int16 step, so the boundary the
browser traces, the sign change, is the result's), its axes, norms and label are E5's, the per-point
ratios are d_on/d_free and d_off/d_free over the measured points, the medians and baselines are E5's
metrics; an E5 result without slices fails with a message that says so. Browser: test_site_interactive_on_off.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dmm_edu import interactive

NAME = "E5-explorer"


@pytest.fixture(scope="module")
def smoke_results():
    from dmm_edu.book import book_results

    return book_results("smoke")


def test_e5_explorer_data_equals_the_e5_result(smoke_results, tmp_path):
    interactive.export(smoke_results, tmp_path, [NAME])
    name, data = interactive.read_export(tmp_path / f"{NAME}.js")
    r = smoke_results["E5"]
    a, m = r.arrays, r.metrics
    assert name == NAME and data["provenance"]["E5"]["seed"] == r.seed
    assert [s["c"] for s in data["scales"]] == [float(c) for c in r.config["init_scales"]]
    assert (data["n"], data["k"]) == (r.config["recipe"]["n"], r.config["recipe"]["k"])
    for sc in data["scales"]:
        tag = sc["tag"]
        assert data["baseline_on"] == m[tag]["baseline_d_on_over_d_free"]
        assert data["baseline_off"] == m[tag]["baseline_d_off_over_d_free"]
        for key, value in sc["medians"].items():
            assert value == m[tag][key], (tag, key)
        measured = a[f"measured_{tag}"].astype(bool)
        assert sc["n_measured"] == int(measured.sum()) == len(sc["on_ratio"])
        free = a[f"d_free_{tag}"][measured]
        assert np.allclose(sc["on_ratio"], a[f"d_on_{tag}"][measured] / free, rtol=5.1e-3)  # 3 significant figures
        assert np.allclose(sc["off_ratio"], a[f"d_off_{tag}"][measured] / free, rtol=5.1e-3)  # 3 significant figures
        assert len(sc["points"]) == a[f"slice_logit_{tag}"].shape[0]
        for s, p in enumerate(sc["points"]):
            assert p["index"] == a[f"slice_index_{tag}"][s] and p["label"] == a[f"slice_label_{tag}"][s]
            for d in ("d_free", "d_on", "d_off"):
                assert p[d] == a[f"slice_{d}_{tag}"][s]
            assert np.allclose(p["axis_u"], a[f"slice_axis_u_{tag}"][s], rtol=1e-5)
            assert np.allclose(p["axis_v"], a[f"slice_axis_v_{tag}"][s], rtol=1e-5)
            got, want = interactive.ungrid(p["logit"]), a[f"slice_logit_{tag}"][s]
            assert got.shape == want.shape
            step = p["logit"]["scale"]
            assert np.max(np.abs(got - want)) <= step / 2 + 1e-6 * np.max(np.abs(want))
            clear = np.abs(want) > step  # away from rounding, the sign (the side of the boundary) is the result's
            assert np.array_equal(got[clear] > 0, want[clear] > 0)
            assert np.any(want > 0) and np.any(want < 0), "the slice shows no boundary"
    assert len(interactive.data_script(NAME, data).encode()) < 600_000


def test_e5_explorer_refuses_a_result_without_slices(smoke_results):
    r = smoke_results["E5"]
    old = SimpleNamespace(arrays={k: v for k, v in r.arrays.items() if not k.startswith("slice_")},
                          metrics=r.metrics, config=r.config)
    with pytest.raises(KeyError, match="no slices"):
        interactive.figures()[NAME].build({"E5": old})
