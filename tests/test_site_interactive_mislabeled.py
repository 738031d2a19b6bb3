"""E10-eps in the browser: its readout is the E10 result at each position of its controls.

The generic checks (draws offline, every control changes the frame, a disconnected copy does not)
run over every figure in test_site_interactive.py; here the labels: at three (ε, rule) positions the
readout's raw values equal E10's ε, rule, N2's clean test accuracy, that accuracy over N1's and the
attack's success rate.
"""

from __future__ import annotations

import pytest

from interactive_probe import probe
from test_site_interactive import pages, server  # noqa: F401  (fixtures)

NAME = "E10-eps"


def test_e10_eps_labels_are_the_e10_result_at_each_position(server, pages):  # noqa: F811
    from dmm_edu.book import book_results

    _, base = server
    page = next(p for p, names in pages.items() if NAME in names)
    r = book_results("smoke")["E10"]
    m, eps, rules = r.metrics, [float(e) for e in r.config["eps"]], list(r.config["rules"])
    plan = [{"set": {"eps": 0, "rule": "0"}}, {"set": {"eps": "last", "rule": "1"}}, {"set": {"eps": 0}}]
    data, _ = probe(base, page, NAME, plan)
    seen = set()
    for step in data["steps"][1:]:
        e, rule = eps[int(step["controls"]["eps"])], rules[int(step["controls"]["rule"])]
        shown = step["readout"]
        tag = f"{rule}_eps{e:g}"
        seen.add(tag)
        assert float(shown["eps"]) == e and shown["rule"] == rule
        assert float(shown["accuracy"]) == pytest.approx(m[tag]["N2_test_accuracy"], rel=1e-9), tag
        assert float(shown["relative"]) == pytest.approx(m[tag]["N2_test_accuracy"] / m["N1"]["test_accuracy"], rel=1e-7)
        assert float(shown["attack_success_changed"]) == pytest.approx(m[tag]["attack_success_changed"], rel=1e-7), tag
    assert seen == {f"{rules[0]}_eps{eps[0]:g}", f"{rules[1]}_eps{eps[-1]:g}", f"{rules[1]}_eps{eps[0]:g}"}
    assert len({tuple(s["canvases"]) for s in data["steps"][1:]}) == 3  # each position draws its own frame
