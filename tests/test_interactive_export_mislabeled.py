"""E10-eps (dmm_edu.interactive.mislabeled): the data the browser draws equals the E10 result.

E10 keeps its example images at every ε (ex_x_adv_{rule}_eps{ε}; the one at the largest ε is the
array the static figure reads); the exported x and x + δ equal them to the pixel scale 1/255, the new
labels, ‖δ‖₂, N2's accuracies, attack success, N1 and chance are E10's; the data stays under 900 kB;
an E10 result saved before the per-ε examples existed fails with a message that says to rerun it.
Browser: test_site_interactive_mislabeled.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dmm_edu import interactive
from dmm_edu.interactive import mislabeled

NAME = "E10-eps"


@pytest.fixture(scope="module")
def smoke_results():
    from dmm_edu.book import book_results

    return book_results("smoke")


def test_e10_keeps_the_examples_at_every_eps_and_the_largest_under_its_old_name(smoke_results):
    r = smoke_results["E10"]
    a, eps = r.arrays, [float(e) for e in r.config["eps"]]
    for rule in r.config["rules"]:
        for e in eps:
            assert a[f"ex_x_adv_{rule}_eps{e:g}"].shape == a["ex_x"].shape
            delta = (a[f"ex_x_adv_{rule}_eps{e:g}"] - a["ex_x"]).reshape(len(a["ex_x"]), -1)
            assert np.all(np.linalg.norm(delta, axis=1) <= e * (1 + 1e-4))  # within the budget of its ε
        np.testing.assert_array_equal(a[f"ex_x_adv_{rule}_eps{max(eps):g}"], a[f"ex_x_adv_{rule}"])


def test_e10_eps_data_equals_the_e10_result(smoke_results, tmp_path):
    interactive.export(smoke_results, tmp_path, [NAME])
    path = tmp_path / f"{NAME}.js"
    name, data = interactive.read_export(path)
    r = smoke_results["E10"]
    a, m = r.arrays, r.metrics
    eps = [float(e) for e in r.config["eps"]]
    assert name == NAME and data["provenance"]["E10"]["seed"] == r.seed
    assert path.stat().st_size < 900_000
    assert data["eps"] == eps and data["y"] == a["ex_y"].tolist()
    assert data["N1"] == m["N1"]["test_accuracy"] and data["chance"] == m["chance"]
    x = interactive.ungrid(data["x"])
    assert x.shape == a["ex_x"].shape and np.max(np.abs(x - a["ex_x"])) <= mislabeled.PIXEL_SCALE / 2 + 1e-6
    assert [rec["key"] for rec in data["rules"]] == list(r.config["rules"])
    for rec in data["rules"]:
        rule = rec["key"]
        assert rec["targets"] == a[f"ex_t_{rule}"].tolist()
        x_adv = interactive.ungrid(rec["x_adv"])
        assert x_adv.shape == (len(eps), *a["ex_x"].shape)
        for k, e in enumerate(eps):
            t = f"{rule}_eps{e:g}"
            want = a[f"ex_x_adv_{t}"]
            assert np.max(np.abs(x_adv[k] - want)) <= mislabeled.PIXEL_SCALE / 2 + 1e-6, t
            norms = np.linalg.norm((want - a["ex_x"]).reshape(len(want), -1), axis=1)
            assert np.allclose(rec["delta_norm"][k], norms, rtol=5e-4), t
            assert rec["accuracy"][k] == m[t]["N2_test_accuracy"]
            assert rec["attack_success_changed"][k] == pytest.approx(m[t]["attack_success_changed"], rel=1e-7)
            assert rec["relative"][k] == pytest.approx(m[t]["N2_test_accuracy"] / m["N1"]["test_accuracy"], rel=1e-7)
    for k, e in enumerate(eps):  # the δ row's colour range covers every δ of that ε
        biggest = max(np.abs(a[f"ex_x_adv_{rule}_eps{e:g}"] - a["ex_x"]).max() for rule in r.config["rules"])
        assert data["delta_max"][k] == pytest.approx(biggest, rel=5e-3)


def test_an_e10_result_without_examples_at_every_eps_says_to_rerun_it(smoke_results):
    r = smoke_results["E10"]
    old = {k: v for k, v in r.arrays.items() if "_eps" not in k or not k.startswith("ex_x_adv_")}
    stale = SimpleNamespace(arrays=old, metrics=r.metrics, config=r.config)
    with pytest.raises(KeyError, match="rerun E10"):
        mislabeled.build({"E10": stale})
