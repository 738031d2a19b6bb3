"""Claims of E9i: adversarial training on the bundled digits, PCA tangent.

Each reads one metric of the E9i result (`dmm_edu.experiments.e09i_adversarial_training_images`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Adversarial training deepens dimples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E9i.eps", ("eps",), "{:.2f}", "digits: the L2 radius of the training attack (the standard net's median d_free)"),
    claim("E9i.ratio_d_off", ("ratio_d_off",), "{:.2f}", "digits: d_off after AT over d_off after standard training"),
    claim("E9i.ratio_d_on", ("ratio_d_on",), "{:.2f}", "digits: d_on after AT over d_on after standard training"),
    claim("E9i.ratio_d_free", ("ratio_d_free",), "{:.2f}", "digits: d_free after AT over d_free after standard training"),
    claim("E9i.standard.d_off_over_d_on", ("standard", "d_off_over_d_on"), "{:.2f}", "digits, standard: d_off / d_on"),
    claim("E9i.adversarial.d_off_over_d_on", ("adversarial", "d_off_over_d_on"), "{:.2f}", "digits, AT: d_off / d_on"),
    claim("E9i.standard.on_delta", ("standard", "on_delta"), "{:.2f}", "digits, standard: median on(d_free)"),
    claim("E9i.adversarial.on_delta", ("adversarial", "on_delta"), "{:.2f}", "digits, AT: median on(d_free)"),
    claim("E9i.standard.test_accuracy", ("standard", "test_accuracy"), "{:.3f}",
        "digits, standard: clean test accuracy (a fraction, as the figure prints it)"),
    claim("E9i.adversarial.test_accuracy", ("adversarial", "test_accuracy"), "{:.3f}",
        "digits, AT: clean test accuracy (a fraction, as the figure prints it)"),
    claim("E9i.standard.robust_accuracy", ("standard", "robust_accuracy"), "{:.0%}",
        "digits, standard: accuracy under PGD-L2 at eps"),
    claim("E9i.adversarial.robust_accuracy", ("adversarial", "robust_accuracy"), "{:.0%}",
        "digits, AT: accuracy under PGD-L2 at eps"),
    # the boundary's angle φ to the PCA tangent at the nearest boundary point, sin φ = on(δ_free): 90° a wall, 0° a
    # sheet, read by thirds of [0°, 90°] as in E5
    claim("E9i.standard.angle_median", ("standard", "boundary_angle", "median"), "{:.0f}°",
        "digits, standard: median angle between the boundary and the PCA tangent at the nearest boundary point"),
    claim("E9i.adversarial.angle_median", ("adversarial", "boundary_angle", "median"), "{:.0f}°",
        "digits, AT: median angle between the boundary and the PCA tangent at the nearest boundary point"),
    claim("E9i.adversarial.angle_wall_share", ("adversarial", "boundary_angle", "wall_share"), "{:.0%}",
        "digits, AT: share of measured points where that angle is above 60° (wall-like)"),
    claim("E9i.angle_change", ("boundary_angle_change",), "{:.0f}°",
        "digits: median angle after AT minus the standard network's (same points)", check="> 0",
        why="the book says the direction of E9 holds on the digits: AT turns the boundary steeper, the median angle rises"),
]


def _cnn() -> list[Claim]:
    """The variant "E9i:cnn" (`dmm_edu.experiments.variants`): E9i's protocol with SmallCNN, beside the MLP."""
    def c(name, metric, fmt, description, **kw):
        return claim(f"E9i.cnn.{name}", metric, fmt, f"digits, SmallCNN: {description}", variant="cnn", **kw)

    return [
        c("eps", ("eps",), "{:.2f}", "the L2 radius of the training attack (the standard CNN's median d_free)"),
        c("ratio_d_off", ("ratio_d_off",), "{:.2f}", "d_off after AT over d_off after standard training"),
        c("ratio_d_on", ("ratio_d_on",), "{:.2f}", "d_on after AT over d_on after standard training"),
        c("ratio_d_free", ("ratio_d_free",), "{:.2f}", "d_free after AT over d_free after standard training"),
        c("standard.d_off_over_d_on", ("standard", "d_off_over_d_on"), "{:.2f}", "standard: d_off / d_on"),
        c("adversarial.d_off_over_d_on", ("adversarial", "d_off_over_d_on"), "{:.2f}", "AT: d_off / d_on"),
        c("standard.on_delta", ("standard", "on_delta"), "{:.2f}", "standard: median on(d_free)"),
        c("adversarial.on_delta", ("adversarial", "on_delta"), "{:.2f}", "AT: median on(d_free)"),
        c("standard.test_accuracy", ("standard", "test_accuracy"), "{:.3f}", "standard: clean test accuracy"),
        c("adversarial.test_accuracy", ("adversarial", "test_accuracy"), "{:.3f}", "AT: clean test accuracy"),
        c("standard.robust_accuracy", ("standard", "robust_accuracy"), "{:.0%}", "standard: accuracy under PGD-L2 at eps"),
        c("adversarial.robust_accuracy", ("adversarial", "robust_accuracy"), "{:.0%}", "AT: accuracy under PGD-L2 at eps"),
        c("standard.angle_median", ("standard", "boundary_angle", "median"), "{:.0f}°",
          "standard: median angle between the boundary and the PCA tangent at the nearest boundary point"),
        c("adversarial.angle_median", ("adversarial", "boundary_angle", "median"), "{:.0f}°",
          "AT: median angle between the boundary and the PCA tangent at the nearest boundary point"),
    ]


CLAIMS += _cnn()
