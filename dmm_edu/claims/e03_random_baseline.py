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
    claim("E3.n200_k10.on_random_mean_exact", ("n200_k10", "on_random_mean_exact"), "{:.3f}",
        "n = 200, k = 10: exact mean of on(v) for v uniform on the sphere (below its RMS sqrt(k/n))"),
    claim("E3.n50_k25.on_random_mean_exact", ("n50_k25", "on_random_mean_exact"), "{:.3f}",
        "n = 50, k = 25: exact mean of on(v) for v uniform on the sphere (below its RMS sqrt(k/n))"),
    claim("E3.n200_k10.on_random_rel_tol", ("n200_k10", "on_random_rel_tol"), "{:.1%}",
        "n = 200, k = 10: the check's relative tolerance, 5 standard errors of the sampled mean over the exact mean"),
    claim("E3.on_random_max_abs_z", ("on_random_max_abs_z",), "{:.1f}",
        "largest |sampled mean - exact mean| of on(random direction) over E3's (n, k), in standard errors",
        check="< 5",
        why=("the mean of m random on-fractions is unbiased for the exact mean, with standard error "
             "sqrt((k/n - mean^2) / m); at every (n, k) it falls within 5 of them except with probability "
             "below 1e-6, so a larger gap means the sampler or the projector is wrong")),
]
