"""E8-distances and E9-slices as a reader's browser runs them: the readout is the result at each position.

Headless Chromium (tests/interactive_probe.py) moves the controls of both figures on the smoke-profile
site and compares every readout value with the saved E8 / E8i / E9 arrays and metrics. Skipped where
/usr/bin/chromium is missing; the generic checks (draws offline, every control changes pixels) are in
tests/test_site_interactive.py.
"""

from __future__ import annotations

import pytest

from interactive_probe import probe
from test_site_interactive import pages, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow]


def _page(pages, name):  # noqa: F811
    return next(p for p, names in pages.items() if name in names)


def _value(shown: str):
    return None if shown == "" else float(shown)


def test_e8_distances_labels_are_the_e8_and_e8i_results(server, pages):  # noqa: F811
    from dmm_edu.book import book_results

    _, base = server
    rs = book_results("smoke")
    e8, e8i = rs["E8"], rs["E8i"]
    scales = [float(c) for c in e8.config["init_scales"]]
    plan = [{"set": {"epoch": 2}}, {"set": {"world": "1", "epoch": "last"}},
            {"set": {"world": str(len(scales)), "epoch": 0}}, {"set": {"epoch": 1}}]
    data, _ = probe(base, _page(pages, "E8-distances"), "E8-distances", plan)
    keys = {"d_free": "d_free", "d_on": "d_on", "d_off": "d_off", "d_off_over_d_on": "d_off_over_d_on",
            "train_accuracy": "train_accuracy", "test_accuracy": "test_accuracy"}
    for step in data["steps"][1:]:
        c, shown = step["controls"], step["readout"]
        w, i = int(c["world"]), int(c["epoch"])
        r, suffix = (e8, f"_c{scales[w]:g}") if w < len(scales) else (e8i, "")
        assert float(shown["epoch"]) == r.arrays["epochs"][i]
        for key, array in keys.items():
            expected = float(r.arrays[array + suffix][i])
            if expected != expected:  # NaN: the readout has no value
                assert _value(shown[key]) is None, (key, c)
            else:
                assert _value(shown[key]) == pytest.approx(expected, rel=1e-9), (key, c)
    # the slider reaches the last epoch of the world shown, and the digits have their own epochs
    assert int(data["steps"][2]["options"]["epoch"]) == len(e8.arrays["epochs"]) - 1
    assert int(data["steps"][3]["options"]["epoch"]) == len(e8i.arrays["epochs"]) - 1
    assert _value(data["steps"][3]["readout"]["train_accuracy"]) is None  # E8i: no train accuracy at init


def test_e9_slices_labels_are_the_e9_result(server, pages):  # noqa: F811
    from dmm_edu.book import book_results

    _, base = server
    r = book_results("smoke")["E9"]
    a, m = r.arrays, r.metrics
    plan = [{"set": {"model": "1"}}, {"set": {"point": "2"}}, {"set": {"model": "0"}}]
    data, _ = probe(base, _page(pages, "E9-slices"), "E9-slices", plan)
    models = ("standard", "adversarial")
    for step in data["steps"][1:]:
        c, shown = step["controls"], step["readout"]
        s, model = int(c["point"]), models[int(c["model"])]
        assert int(float(shown["point"])) == s
        for d in ("d_free", "d_on", "d_off"):
            assert float(shown[d]) == pytest.approx(a[f"slice_{d}_{model}"][s], rel=1e-12), (d, c)
            assert float(shown[f"ratio_{d}"]) == pytest.approx(m[f"ratio_{d}"], rel=1e-12)
    assert data["steps"][1]["readout"]["d_off"] != data["steps"][0]["readout"]["d_off"]  # the switch changes the model
