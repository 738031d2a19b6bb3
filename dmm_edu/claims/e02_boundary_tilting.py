"""Claims of E2: boundary tilting: a line in R^n, w = e1 + t v.

Each reads one metric of the E2 result (`dmm_edu.experiments.e02_boundary_tilting`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Why perturbations are tiny and look like noise".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E2.n100.margin_ratio_max_tilt", ("n100", "margin_ratio_max_tilt"), "{:.3f}",
        "n = 100: minimal distance at tilt t = 100 over the one at t = 0", check="< 0.02",
        why=("the closed form |x1|/sqrt(1 + t^2) gives 1/sqrt(10001) = 0.010 at t = 100; twice that leaves room "
             "for DeepFool's overshoot and still shows the hundredfold shrink boundary tilting predicts")),
    claim("E2.n100.on_max_tilt", ("n100", "on_fraction_max_tilt"), "{:.3f}", "n = 100: on(delta) of the minimal delta at t = 100"),
    claim("E2.n100.accuracy_min", ("n100", "accuracy_min"), "{:.0%}", "n = 100: lowest train accuracy over all tilts"),
    claim("E2.n100.normal_before_c10", ("n100", "normal_norm_before"), "{:.2f}",
        "n = 100, init scale 10: norm of the normal part of w before SGD", ("init_scales", 10.0)),
    claim("E2.n100.normal_after_c10", ("n100", "normal_norm_after"), "{:.2f}",
        "n = 100, init scale 10: norm of the normal part of w after SGD", ("init_scales", 10.0)),
    claim("E2.n100.margin_c0_1", ("n100", "trained_margin"), "{:.2f}",
        "n = 100, init scale 0.1: median minimal distance after SGD", ("init_scales", 0.1)),
    claim("E2.n100.margin_c10", ("n100", "trained_margin"), "{:.2f}",
        "n = 100, init scale 10: median minimal distance after SGD", ("init_scales", 10.0)),
]
