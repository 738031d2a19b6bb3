"""E3-baseline in the browser: its labels are dmm_edu.manifold's closed forms and E3's samples.

Headless Chromium (tests/interactive_probe.py) moves the n and k sliders of the figure on the
smoke-profile site to a pair where E3 ran, to the largest n with a large k, and to the smallest
(n, k), and reads the readout: n, k, √(k/n), the exact mean and sd equal `random_baseline`,
`random_on_mean` and `random_on_sd`; where E3 ran, the sample means equal the means of E3's saved
arrays, and where it did not the readout shows none. Moving n keeps k where the new n allows it.
Each slider changes both canvases; a copy of it without its listeners changes nothing.
Skipped where /usr/bin/chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interactive_probe import CHROMIUM, probe
from test_site_interactive import pages, server  # noqa: F401

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]

NAME = "E3-baseline"


def test_e3_baseline_labels_are_the_closed_forms_and_the_e3_samples(server, pages):  # noqa: F811
    from dmm_edu.book import book_results
    from dmm_edu.interactive import figures
    from dmm_edu.manifold import random_baseline, random_on_mean, random_on_sd

    _, base = server
    page = next(p for p, names in pages.items() if NAME in names)
    result = book_results("smoke")["E3"]
    data = figures()[NAME].build({"E3": result})
    ns = [row["n"] for row in data["rows"]]
    ks = {row["n"]: [c["k"] for c in row["cells"]] for row in data["rows"]}
    pair = tuple(result.metrics["dims"][-1])  # an E3 pair other than the figure's start
    big = ns[-1]
    plan = [{"set": {"n": ns.index(pair[0]), "k": ks[pair[0]].index(pair[1])}},
            {"set": {"n": "last", "k": ks[big].index(30)}},
            {"set": {"n": 0, "k": 0}},
            {"set": {"n": ns.index(200)}}]  # from k = 1: k stays 1
    shown, _ = probe(base, page, NAME, plan)
    assert shown["state"] == "ready"
    wanted = [data["start"], list(pair), [big, 30], [ns[0], ks[ns[0]][0]], [200, 1]]
    pairs = {tuple(p) for p in result.metrics["dims"]}
    for step, (n, k) in zip(shown["steps"], wanted):
        v = step["readout"]
        assert (int(v["n"]), int(v["k"])) == (n, k)
        assert float(v["rms"]) == pytest.approx(random_baseline(n, k), rel=1e-12)
        assert float(v["mean"]) == pytest.approx(random_on_mean(n, k), rel=1e-12)
        assert float(v["sd"]) == pytest.approx(random_on_sd(n, k), rel=1e-12)
        assert float(v["gap"]) == pytest.approx(1 - random_on_mean(n, k) / random_baseline(n, k), rel=1e-9)
        if (n, k) in pairs:
            tag = f"n{n}_k{k}"
            assert float(v["sample_mean"]) == pytest.approx(float(result.arrays[f"on_random_{tag}"].mean()), rel=1e-12)
            assert float(v["grad_mean"]) == pytest.approx(float(result.arrays[f"on_grad_untrained_{tag}"].mean()), rel=1e-12)
        else:
            assert "sample_mean" not in v and "grad_mean" not in v
    # the k slider reaches every k the grid holds for the n shown, and no further
    assert shown["steps"][2]["options"]["k"] == len(ks[big]) - 1
    assert shown["steps"][3]["options"]["k"] == len(ks[ns[0]]) - 1


def test_e3_baseline_sliders_change_the_frame_and_disconnected_copies_do_not(server, pages):  # noqa: F811
    _, base = server
    page = next(p for p, names in pages.items() if NAME in names)
    for control in ("n", "k"):
        data, _ = probe(base, page, NAME, [{"set": {control: 0}}, {"cut": control, "set": {control: "last"}}])
        start, moved, cut = data["steps"]
        assert moved["canvases"] != start["canvases"] and all(a != b for a, b in zip(moved["canvases"], start["canvases"]))
        assert cut["controls"][control] == str(cut["options"][control])  # the copy moved ...
        assert cut["canvases"] == moved["canvases"] and cut["readout"] == moved["readout"]  # ... and changed nothing
