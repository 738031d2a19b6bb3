"""E5-explorer in the browser: its readout is the E5 result at each position of its controls.

The generic checks (draws offline, every control changes the frame, a disconnected copy does not)
run over every figure in test_site_interactive.py; here the labels: at three (c, point) positions
the readout's raw values equal E5's sliced point norms and the medians of its metrics.
"""

from __future__ import annotations

import pytest

from interactive_probe import probe
from test_site_interactive import pages, server  # noqa: F401  (fixtures)

NAME = "E5-explorer"


def test_e5_explorer_labels_are_the_e5_result_at_each_position(server, pages):  # noqa: F811
    from dmm_edu.book import book_results

    _, base = server
    page = next(p for p, names in pages.items() if NAME in names)
    r = book_results("smoke")["E5"]
    cs = [float(c) for c in r.config["init_scales"]]
    plan = [{"set": {"c": "0", "point": "0"}}, {"set": {"c": str(len(cs) - 1), "point": "2"}},
            {"set": {"c": "1", "point": "1"}}]
    data, _ = probe(base, page, NAME, plan)
    seen = set()
    for step in data["steps"][1:]:
        c, s = cs[int(step["controls"]["c"])], int(step["controls"]["point"])
        tag = f"c{c:g}"
        shown = {k: float(v) for k, v in step["readout"].items()}
        seen.add((tag, s))
        assert shown["c"] == c
        assert shown["point"] == r.arrays[f"slice_index_{tag}"][s]
        for d in ("d_free", "d_on", "d_off"):
            assert shown[d] == pytest.approx(r.arrays[f"slice_{d}_{tag}"][s], rel=1e-9), (tag, s, d)
        assert shown["median_on_ratio"] == pytest.approx(r.metrics[tag]["d_on_over_d_free"], rel=1e-9)
        assert shown["median_off_ratio"] == pytest.approx(r.metrics[tag]["d_off_over_d_free"], rel=1e-9)
        assert shown["baseline_on"] == pytest.approx(r.metrics[tag]["baseline_d_on_over_d_free"], rel=1e-9)
    assert len(seen) == 3  # three different positions, each checked
    assert data["steps"][2]["canvases"] != data["steps"][1]["canvases"]
