"""E5 for the browser: the boundary around a test point, in the plane of its on- and off-manifold steps.

For each init scale c of the E5 result: the exact 2-D slices E5 saved through its first measured
points (the margin m_y on the grid x + a·u + b·v, u = δ_on/‖δ_on‖ along the manifold, v =
δ_off/‖δ_off‖ along its normal; rows along v, as `dmm_edu.plots.slices` draws them), each point's
DeepFool norms d_free, d_on, d_off, and, over every measured point at that c, the per-point ratios
d_on/d_free and d_off/d_free beside the ratios of the medians E5 saved in its metrics and the
random-direction baselines √(n/k) and 1/√(1 − k/n). Script: docs/assets/interactive/on_off.js.
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.interactive import Figure, fitted_grid, numbers
from dmm_edu.results import Result

C_NAMES = {0.5: "small init", 1.41: "He init"}  #: how the chapter names the init scales
MEDIANS = ("d_free", "d_on", "d_off", "d_on_over_d_free", "d_off_over_d_free", "d_off_over_d_on")


def build(results: dict[str, Result]) -> dict:
    r = results["E5"]
    a, m = r.arrays, r.metrics
    n, k = int(r.config["recipe"]["n"]), int(r.config["recipe"]["k"])
    scales = []
    for c in [float(c) for c in r.config["init_scales"]]:
        tag = f"c{c:g}"
        if f"slice_logit_{tag}" not in a:
            continue
        measured = np.asarray(a[f"measured_{tag}"], dtype=bool)
        free, on, off = (np.asarray(a[f"{s}_{tag}"], dtype=np.float64)[measured] for s in ("d_free", "d_on", "d_off"))
        points = []
        for s in range(a[f"slice_logit_{tag}"].shape[0]):
            points.append({"index": int(a[f"slice_index_{tag}"][s]), "label": int(a[f"slice_label_{tag}"][s]),
                           **{d: float(a[f"slice_{d}_{tag}"][s]) for d in ("d_free", "d_on", "d_off")},
                           "cross_u": numbers([a[f"slice_cross_u_{tag}"][s]])[0],
                           "cross_v": numbers([a[f"slice_cross_v_{tag}"][s]])[0],
                           "axis_u": numbers(a[f"slice_axis_u_{tag}"][s], 6),
                           "axis_v": numbers(a[f"slice_axis_v_{tag}"][s], 6),
                           "logit": fitted_grid(a[f"slice_logit_{tag}"][s])})
        if not points:
            continue
        scales.append({"c": c, "tag": tag, "name": C_NAMES.get(c, ""), "n_measured": int(measured.sum()),
                       "medians": {key: float(m[tag][key]) for key in MEDIANS},
                       "on_ratio": numbers(on / free, 3), "off_ratio": numbers(off / free, 3),
                       "points": points})
    if not scales:
        raise KeyError("E5 result has no slices (slice_logit_c*) with a sliced point: rerun E5 with this code")
    first = m[scales[0]["tag"]]
    return {"scales": scales, "n": n, "k": k,
            "baseline_on": float(first["baseline_d_on_over_d_free"]),
            "baseline_off": float(first["baseline_d_off_over_d_free"]),
            "colours": {"free": palette.FREE, "on": palette.ON, "off": palette.OFF, "other": palette.VERMILLION,
                        "baseline": palette.BASELINE, "classes": list(palette.CLASSES)}}


FIGURES = (Figure("E5-explorer", ("E5",), build,
                  "the boundary around a test point in the plane of its on- and off-manifold minimal steps, "
                  "for each init scale c, beside the ratios over all measured points", "E5-slices"),)
