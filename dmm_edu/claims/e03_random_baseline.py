"""Claims of E3: the random-direction baseline.

Each reads one metric of the E3 result (`dmm_edu.experiments.e03_random_baseline`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Data manifolds and tangent spaces".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E3.n200_k10.baseline", ("n200_k10", "baseline"), "{:.3f}", "n = 200, k = 10: the random-direction baseline sqrt(k/n)"),
    claim("E3.n200_k10.on_random_mean", ("n200_k10", "on_random_mean"), "{:.3f}", "n = 200, k = 10: mean on(random direction)"),
    claim("E3.n200_k10.on_random_sd", ("n200_k10", "on_random_sd"), "{:.3f}", "n = 200, k = 10: sd of on(random direction)"),
    claim("E3.n200_k10.on_grad_untrained", ("n200_k10", "on_grad_untrained_mean"), "{:.3f}",
        "n = 200, k = 10: mean on(gradient) of an untrained MLP at data points"),
    claim("E3.n50_k25.baseline", ("n50_k25", "baseline"), "{:.3f}", "n = 50, k = 25: the random-direction baseline sqrt(k/n)"),
    claim("E3.n50_k25.on_random_mean", ("n50_k25", "on_random_mean"), "{:.3f}", "n = 50, k = 25: mean on(random direction)"),
]
