"""Claims of E5: minimal attacks free / on / off the manifold, exact tangent.

Each reads one metric of the E5 result (`dmm_edu.experiments.e05_on_off_attacks`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "On- vs off-manifold perturbations".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E5.c2_5.d_off_over_d_on", ("c2.5", "d_off_over_d_on"), "{:.2f}", "init scale 2.5: median d_off / d_on",
        check="< 0.85",
        why=("the DMM predicts that a clinging boundary is closest along the normal: d_off clearly below d_on at "
             "the large init scale, with a margin below 1 that seed spread cannot close")),
    claim("E5.c0_5.d_off_over_d_on", ("c0.5", "d_off_over_d_on"), "{:.2f}", "init scale 0.5: median d_off / d_on",
        check="> 2.5",
        why=("with a small init the off-manifold slope stays small (training never changes the first layer's "
             "normal part), so the DMM's ordering must reverse: the nearest flip along the manifold, d_off well "
             "above d_on")),
    claim("E5.c1_41.d_off_over_d_on", ("c1.41", "d_off_over_d_on"), "{:.2f}",
        "init scale 1.41 (the default He init): median d_off / d_on", check="> 1",
        why=("the book says the DMM's ordering needs the large init c = 2.5: at the default init the normal way "
             "across is already the longer one, d_off above d_on")),
    claim("E5.c1_41.d_on_over_d_free", ("c1.41", "d_on_over_d_free"), "{:.2f}", "init scale 1.41: median d_on / d_free"),
    claim("E5.c1_41.d_off_over_d_free", ("c1.41", "d_off_over_d_free"), "{:.2f}",
        "init scale 1.41: median d_off / d_free"),
    claim("E5.c1_41.test_accuracy", ("c1.41", "test_accuracy"), "{:.0%}", "init scale 1.41: clean test accuracy"),
    claim("E5.c2_5.d_on_over_d_free", ("c2.5", "d_on_over_d_free"), "{:.2f}", "init scale 2.5: median d_on / d_free"),
    claim("E5.baseline_d_on_over_d_free", ("c2.5", "baseline_d_on_over_d_free"), "{:.1f}",
        "random-subspace baseline sqrt(n/k) for d_on / d_free"),
    claim("E5.c0_5.d_on_over_d_free", ("c0.5", "d_on_over_d_free"), "{:.2f}", "init scale 0.5: median d_on / d_free"),
    claim("E5.c2_5.d_off_over_d_free", ("c2.5", "d_off_over_d_free"), "{:.2f}", "init scale 2.5: median d_off / d_free"),
    claim("E5.c0_5.d_off_over_d_free", ("c0.5", "d_off_over_d_free"), "{:.2f}", "init scale 0.5: median d_off / d_free"),
    claim("E5.c2_5.free_within_5pct", ("c2.5", "free_within_5pct_of_best"), "{:.0%}",
        "init scale 2.5: share of points with d_free <= 1.05 min(d_on, d_off)"),
    claim("E5.c2_5.test_accuracy", ("c2.5", "test_accuracy"), "{:.0%}", "init scale 2.5: clean test accuracy"),
    claim("E5.c0_5.test_accuracy", ("c0.5", "test_accuracy"), "{:.0%}", "init scale 0.5: clean test accuracy"),
    # the boundary's angle φ to the manifold at the nearest boundary point, sin φ = on(δ_free): 90° a wall, 0° a
    # sheet; the words the book uses are read by thirds of [0°, 90°] (dmm_edu.boundary.cling.WALL_DEG, SHEET_DEG)
    claim("E5.c0_5.angle_median", ("c0.5", "boundary_angle", "median"), "{:.0f}°",
        "init scale 0.5: median angle between the boundary and the manifold at the nearest boundary point",
        check="> 60",
        why=("the book says the boundary stands steeply across the manifold at c = 0.5: wall-like, nearer upright "
             "than lying along it, the upper third of [0°, 90°]")),
    claim("E5.c0_5.angle_wall_share", ("c0.5", "boundary_angle", "wall_share"), "{:.0%}",
        "init scale 0.5: share of measured points where that angle is above 60° (wall-like)"),
    claim("E5.c1_41.angle_median", ("c1.41", "boundary_angle", "median"), "{:.0f}°",
        "init scale 1.41: median angle between the boundary and the manifold at the nearest boundary point",
        check="in [30, 60]",
        why=("the book says the boundary crosses at a slant at the He scale: neither a wall nor a sheet, the "
             "middle third of [0°, 90°]")),
    claim("E5.c2_5.angle_median", ("c2.5", "boundary_angle", "median"), "{:.0f}°",
        "init scale 2.5: median angle between the boundary and the manifold at the nearest boundary point",
        check="in [30, 60]",
        why=("the book calls the c = 2.5 boundary tilted, not a sheet lying along the manifold: between a sheet "
             "and a wall, the middle third of [0°, 90°]")),
    claim("E5.c2_5.angle_sheet_share", ("c2.5", "boundary_angle", "sheet_share"), "{:.0%}",
        "init scale 2.5: share of measured points where that angle is below 30° (sheet-like)"),
]
