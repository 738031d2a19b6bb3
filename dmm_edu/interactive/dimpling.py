"""E8, E8i and E9 for the browser: the three distances over training, and two networks in one plane.

- E8-distances: for each world (the subspace world of E8 at each of its init scales c, and the
  digits of E8i with their PCA tangent) the medians d_free, d_on, d_off at every measured epoch
  (0 = init), their ratio d_off / d_on (the result's `d_off_over_d_on`, a ratio of medians), the
  train and test accuracy after that epoch (NaN, sent as null, where the result has none: E8i
  measures no train accuracy at init), and the random-direction baseline of the ratio
  √(k/(n−k)) (metrics "baseline_d_off_over_d_on").
- E9-slices: the exact 2-D slices E9 saved through its first measured points, one plane for both
  networks (the margin m_y on the grid x + a·u + b·v, u = the standard network's unit on-manifold
  DeepFool step, v = its off-manifold one; rows along v, as `dmm_edu.plots.slices` draws them), each
  network's own DeepFool norms at those points, and the medians' ratios adversarial / standard over
  every measured point (metrics ratio_d_free, ratio_d_on, ratio_d_off).

Scripts: docs/assets/interactive/dimpling.js.
"""

from __future__ import annotations


from dmm_edu import palette
from dmm_edu.interactive import Figure, fitted_grid, numbers
from dmm_edu.results import Result

SPACES = ("d_free", "d_on", "d_off")
MODELS = ("standard", "adversarial")
MODEL_NAMES = {"standard": "standard training", "adversarial": "adversarial training (PGD-L2)"}
C_NAMES = {0.5: "small init", 1.41: "He init"}  #: how the book names the init scales


def _raw(values) -> list:
    """Floats at full precision (NaN as None): the handful of numbers the readouts show."""
    return numbers(values, digits=17)


def _world(key: str, label: str, epochs, curves: dict, baseline: float, n: int, k: int) -> dict:
    return {"key": key, "label": label, "epochs": [int(e) for e in epochs], "baseline": float(baseline),
            "n": n, "k": k, **{name: _raw(v) for name, v in curves.items()}}


def build_distances(results: dict[str, Result]) -> dict:
    worlds = []
    r = results["E8"]
    a, recipe = r.arrays, r.config["recipe"]
    for c in r.config["init_scales"]:
        s = f"_c{float(c):g}"
        name = f"subspace world, c = {float(c):g}" + (f" ({C_NAMES[float(c)]})" if float(c) in C_NAMES else "")
        worlds.append(_world(f"c{float(c):g}", name, a["epochs"],
                             {"d_free": a["d_free" + s], "d_on": a["d_on" + s], "d_off": a["d_off" + s],
                              "ratio": a["d_off_over_d_on" + s], "train": a["train_accuracy" + s],
                              "test": a["test_accuracy" + s]},
                             r.metrics["baseline_d_off_over_d_on"], int(recipe["n"]), int(recipe["k"])))
    r = results["E8i"]
    a, m = r.arrays, r.metrics
    worlds.append(_world("digits", f"digits ({m['dataset']}, PCA tangent)", a["epochs"],
                         {"d_free": a["d_free"], "d_on": a["d_on"], "d_off": a["d_off"],
                          "ratio": a["d_off_over_d_on"], "train": a["train_accuracy"], "test": a["test_accuracy"]},
                         m["baseline_d_off_over_d_on"], int(m["n"]), int(m["k"])))
    return {"worlds": worlds, "colours": {"d_free": palette.FREE, "d_on": palette.ON, "d_off": palette.OFF,
                                          "ratio": palette.INK, "baseline": palette.BASELINE}}


def build_slices(results: dict[str, Result]) -> dict:
    r = results["E9"]
    a, m = r.arrays, r.metrics
    if "slice_logit_standard" not in a:
        raise KeyError("E9 result has no slices (slice_logit_standard): rerun E9 with this code")
    points = []
    for s in range(a["slice_logit_standard"].shape[0]):
        point = {"index": int(a["slice_index"][s]), "label": int(a["slice_label"][s]),
                 "axis": numbers(a["slice_axis_u"][s], 6),
                 "logit": {model: fitted_grid(a[f"slice_logit_{model}"][s]) for model in MODELS}}
        for model in MODELS:
            point[model] = {d: float(a[f"slice_{d}_{model}"][s]) for d in SPACES}
            point[model].update({"cross_u": _raw([a[f"slice_cross_u_{model}"][s]])[0],
                                 "cross_v": _raw([a[f"slice_cross_v_{model}"][s]])[0]})
        points.append(point)
    if not points:
        raise ValueError("E9 result sliced no points (config slice_points = 0)")
    return {"points": points, "models": [{"key": k, "label": MODEL_NAMES[k]} for k in MODELS],
            "ratios": {d: float(m[f"ratio_{d}"]) for d in SPACES}, "n_measured": int(m["n_measured"]),
            "colours": {"below": palette.BELOW, "above": palette.ABOVE,
                        "classes": [palette.class_colour(i) for i in range(10)],
                        "on": palette.ON, "off": palette.OFF,
                        "d_free": palette.FREE, "d_on": palette.ON, "d_off": palette.OFF}}


FIGURES = (
    Figure("E8-distances", ("E8", "E8i"), build_distances,
           "d_free, d_on and d_off over training, and their ratio d_off / d_on beside a random boundary's, "
           "for the subspace world at each init scale and for the digits", "E8-curves"),
    Figure("E9-slices", ("E9",), build_slices,
           "the standard and the adversarially trained network's margin in one plane through a test point",
           "E9-slices"),
)
