"""Claims of E9i: adversarial training on the bundled digits, PCA tangent.

Each reads one metric of the E9i result (`dmm_edu.experiments.e09i_adversarial_training_images`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Adversarial training deepens dimples".
"""

from __future__ import annotations

from dataclasses import replace

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


# the variant "E9i:cnn" (`dmm_edu.experiments.variants`): E9i's protocol with SmallCNN, read as the MLP's claims
# are (the same metrics and formats), beside them; the chapter's table quotes these
_CNN = ("eps", "ratio_d_off", "ratio_d_on", "ratio_d_free", "standard.d_off_over_d_on", "adversarial.d_off_over_d_on",
        "standard.on_delta", "adversarial.on_delta", "standard.test_accuracy", "adversarial.test_accuracy",
        "standard.robust_accuracy", "adversarial.robust_accuracy", "standard.angle_median", "adversarial.angle_median")
CLAIMS += [replace(c, name=f"E9i.cnn.{c.name.removeprefix('E9i.')}", variant="cnn",
                   description=c.description.replace("digits", "digits, SmallCNN", 1))
           for c in CLAIMS if c.name.removeprefix("E9i.") in _CNN]
