"""Claims of E9: adversarial training (PGD-L2, eps 0.2) against standard training, subspace world, c = 2.5.

Each reads one metric of the E9 result (`dmm_edu.experiments.e09_adversarial_training`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Adversarial training deepens dimples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E9.ratio_d_off", ("ratio_d_off",), "{:.1f}", "d_off after AT over d_off after standard training",
        check="> 2",
        why=("C9: adversarial training mainly deepens the dimples, so the distance along the normal must grow a "
             "lot: more than double")),
    claim("E9.ratio_d_on", ("ratio_d_on",), "{:.1f}", "d_on after AT over d_on after standard training",
        check="in [0.7, 1.5]",
        why=("C9's other half: the distance along the manifold changes little, within a factor 1.5 either way of "
             "the standard network's")),
    claim("E9.ratio_d_free", ("ratio_d_free",), "{:.1f}", "d_free after AT over d_free after standard training"),
    claim("E9.standard.d_off_over_d_on", ("standard", "d_off_over_d_on"), "{:.2f}", "standard training: d_off / d_on"),
    claim("E9.adversarial.d_off_over_d_on", ("adversarial", "d_off_over_d_on"), "{:.2f}", "AT: d_off / d_on"),
    claim("E9.standard.on_grad", ("standard", "on_grad"), "{:.2f}", "standard training: median on(grad)"),
    claim("E9.adversarial.on_grad", ("adversarial", "on_grad"), "{:.2f}", "AT: median on(grad)"),
    claim("E9.baseline_on", ("baseline_on",), "{:.2f}", "sqrt(k/n) of the subspace world"),
    claim("E9.standard.pgd_success", ("standard", "pgd_success_at_eps"), "{:.0%}",
        "standard training: PGD success rate at the training eps"),
    claim("E9.adversarial.pgd_success", ("adversarial", "pgd_success_at_eps"), "{:.0%}",
        "AT: PGD success rate at the training eps"),
    claim("E9.eps", ("eps",), "{:g}", "the L2 radius of the training attack (equal to the world's class gap, 0.2)"),
    claim("E9.standard.test_accuracy", ("standard", "test_accuracy"), "{:.0%}", "standard training: clean test accuracy"),
    claim("E9.adversarial.test_accuracy", ("adversarial", "test_accuracy"), "{:.0%}", "AT: clean test accuracy"),
    claim("E9.n_measured", ("n_measured",), "{:d}", "test points where every attack on both networks succeeded"),
    claim("E9.slices.n_points", ("slices", "n_points"), "{:d}", "test points sliced for the figure"),
    claim("E9.slices.normal_misses_adversarial", ("slices", "normal_ray_misses_adversarial"), "{:d}",
        "sliced points where AT's boundary is not met along the normal within 4x the standard net's longest distance"),
    claim("E9.slices.normal_misses_standard", ("slices", "normal_ray_misses_standard"), "{:d}",
        "sliced points where the standard boundary is not met along the normal (same reach)"),
    claim("E9.slices.cross_u_ratio", ("slices", "cross_u_ratio_median"), "{:.2f}",
        "median AT / standard distance to the boundary along the manifold ray, in the shared plane"),
    # the boundary's angle φ to the manifold at the nearest boundary point, sin φ = on(δ_free): 90° a wall, 0° a
    # sheet, read by thirds of [0°, 90°] as in E5
    claim("E9.standard.angle_median", ("standard", "boundary_angle", "median"), "{:.0f}°",
        "standard training: median angle between the boundary and the manifold at the nearest boundary point",
        check="in [30, 60]",
        why=("the book says the standard boundary leans over the data: tilted, neither a wall nor a sheet, the "
             "middle third of [0°, 90°]")),
    claim("E9.adversarial.angle_median", ("adversarial", "boundary_angle", "median"), "{:.0f}°",
        "AT: median angle between the boundary and the manifold at the nearest boundary point",
        check="> 60",
        why=("the book says AT's boundary crosses the manifold steeply: wall-like, nearer upright than lying "
             "along it, the upper third of [0°, 90°]")),
    claim("E9.adversarial.angle_q75", ("adversarial", "boundary_angle", "q75"), "{:.0f}°",
        "AT: upper quartile of that angle over the measured points"),
    claim("E9.adversarial.angle_wall_share", ("adversarial", "boundary_angle", "wall_share"), "{:.0%}",
        "AT: share of measured points where that angle is above 60° (wall-like)"),
    claim("E9.angle_change", ("boundary_angle_change",), "{:.0f}°",
        "median angle after AT minus the standard network's (same points)", check="> 0",
        why="the book says AT turns a leaning boundary into a steep one: the median angle must rise"),
]
