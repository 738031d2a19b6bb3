"""E10 for the browser: N2's training images and its clean test accuracy at each attack budget ε.

For each rule of the E10 result (D_det: ỹ = (y + 1) mod C; D_rand: ỹ uniform over all C) and each ε of
its config: the first training images x + δ that E10 kept (arrays ex_x_adv_{rule}_eps{ε}), their new
labels ỹ and ‖δ‖₂, N2's clean test accuracy and the attack's success rate; beside them the clean images x
with their labels y, N1's clean test accuracy and chance 1/C. Images travel on the pixel scale 1/255;
δ = x + δ − x is taken in the browser (its norms are exported exact). Script:
docs/assets/interactive/mislabeled.js.
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.interactive import Figure, grid, numbers
from dmm_edu.results import Result

PIXEL_SCALE = 1 / 255  #: images travel as 8-bit pixel levels: far below what a screen shows of a 28 × 28 digit
RULE_NAMES = {"det": "deterministic: ỹ = (y + 1) mod C", "rand": "random: ỹ uniform over all C"}
RULE_SHORT = {"det": "D_det", "rand": "D_rand"}
RULE_LEGEND = {"det": "ỹ = (y + 1) mod C", "rand": "ỹ uniform over all C"}
RULE_COLOURS = {"det": palette.ORANGE, "rand": palette.BLUE}


def tag(rule: str, eps: float) -> str:
    """The metrics key of one N2 (as in dmm_edu.experiments.e10_mislabeled_images)."""
    return f"{rule}_eps{eps:g}"


def build(results: dict[str, Result]) -> dict:
    r = results["E10"]
    a, m, cfg = r.arrays, r.metrics, r.config
    eps = [float(e) for e in cfg["eps"]]
    x = np.asarray(a["ex_x"], dtype=np.float64)  # (E, C, H, W)
    n1 = float(m["N1"]["test_accuracy"])
    rules = []
    for rule in (str(k) for k in cfg["rules"]):
        missing = [f"ex_x_adv_{tag(rule, e)}" for e in eps if f"ex_x_adv_{tag(rule, e)}" not in a]
        if missing:
            raise KeyError(f"E10 result has no examples {missing}: rerun E10 with this code")
        x_adv = np.stack([np.asarray(a[f"ex_x_adv_{tag(rule, e)}"], dtype=np.float64) for e in eps])  # (K, E, C, H, W)
        norms = np.linalg.norm((x_adv - x[None]).reshape(len(eps), len(x), -1), axis=2)  # (K, E)  ‖δ‖₂
        acc = [float(m[tag(rule, e)]["N2_test_accuracy"]) for e in eps]
        rules.append({"key": rule, "label": RULE_NAMES.get(rule, rule), "short": RULE_SHORT.get(rule, rule),
                      "legend": RULE_LEGEND.get(rule, rule),
                      "colour": RULE_COLOURS.get(rule, palette.GREEN),
                      "accuracy": numbers(acc, 8), "relative": numbers(np.asarray(acc) / n1, 8),
                      # among the images whose label the rule changed (t != y): D_rand leaves about 1/C unattacked
                      "attack_success_changed": numbers([m[tag(rule, e)]["attack_success_changed"] for e in eps], 8),
                      "targets": [int(t) for t in a[f"ex_t_{rule}"]],
                      "delta_norm": [numbers(row, 4) for row in norms],
                      "x_adv": grid(x_adv, PIXEL_SCALE)})
    delta_max = [max(float(np.abs(np.asarray(a[f"ex_x_adv_{tag(r['key'], e)}"]) - x).max()) for r in rules)
                 for e in eps]  # (K,) the δ panel's colour range at each ε, shared by the rules
    return {"eps": eps, "rules": rules, "x": grid(x, PIXEL_SCALE), "y": [int(v) for v in a["ex_y"]],
            "delta_max": numbers(delta_max, 3), "N1": n1, "chance": float(m["chance"]),
            "dataset": str(m["dataset"]), "n_train": int(m["n_train"]),
            "colours": {"below": palette.BELOW, "above": palette.ABOVE, "reference": palette.NEUTRAL}}


FIGURES = (Figure("E10-eps", ("E10",), build,
                  "N2's training images x + δ with their new labels at each attack budget ε, and N2's clean "
                  "test accuracy against ε, for the deterministic and the random new label", "E10-examples"),)
