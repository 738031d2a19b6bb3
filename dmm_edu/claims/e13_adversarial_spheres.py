"""Claims of E13: adversarial spheres, the distance to the nearest error versus the dimension.

Each reads one metric of the E13 result (`dmm_edu.experiments.e13_adversarial_spheres`); when a metric key of that
experiment changes, this list changes with it. Distances are medians over the correctly classified test points of
the inner (unit) sphere, then medians over seeds; the checks read the seeds' extremes, so they hold on every seed.
Quoted on the book page "Critiques and open questions" (the concentration account of C5).
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

_BAND_WHY = ("Gilmer et al.'s isoperimetric bound: at a fixed error rate mu the median distance from a correctly "
             "classified point of the sphere to any error set of measure mu is at most "
             "[Phi^-1(1-mu) - Phi^-1((1-mu)/2)]/sqrt(d), so ")

CLAIMS: list[Claim] = [
    claim("E13.d50.n_train", ("d50", "n_train"), "{:,d}", "d = 50: training points (the same number per dimension at every d)"),
    claim("E13.d500.n_train", ("d500", "n_train"), "{:,d}", "d = 500: training points"),
    claim("E13.d50.error_inner", ("d50", "error_inner"), "{:.0%}", "d = 50: test error rate on the inner sphere (median over seeds)"),
    claim("E13.d500.error_inner", ("d500", "error_inner"), "{:.0%}", "d = 500: test error rate on the inner sphere (median over seeds)"),
    claim("E13.d50.error_outer", ("d50", "error_outer"), "{:.0%}", "d = 50: test error rate on the outer sphere (median over seeds)"),
    claim("E13.d500.error_outer", ("d500", "error_outer"), "{:.0%}", "d = 500: test error rate on the outer sphere (median over seeds)"),
    claim("E13.d20.distance_inner", ("d20", "distance_inner"), "{:.3f}",
        "d = 20: median DeepFool distance from a correct inner-sphere test point to the nearest error"),
    claim("E13.d50.distance_inner", ("d50", "distance_inner"), "{:.3f}",
        "d = 50: median DeepFool distance from a correct inner-sphere test point to the nearest error"),
    claim("E13.d500.distance_inner", ("d500", "distance_inner"), "{:.3f}",
        "d = 500: median DeepFool distance from a correct inner-sphere test point to the nearest error"),
    claim("E13.d50.bound_inner", ("d50", "bound_inner"), "{:.3f}",
        "d = 50: the isoperimetric bound B(mu, d) on that median at the measured inner error rate"),
    claim("E13.d500.bound_inner", ("d500", "bound_inner"), "{:.3f}",
        "d = 500: the isoperimetric bound B(mu, d) on that median at the measured inner error rate"),
    claim("E13.d50.share_of_bound_inner", ("d50", "share_of_bound_inner"), "{:.0%}",
        "d = 50: measured median distance over the bound B(mu, d) (100%: as far as any error set of that measure can be)"),
    claim("E13.d500.share_of_bound_inner", ("d500", "share_of_bound_inner"), "{:.0%}",
        "d = 500: measured median distance over the bound B(mu, d)"),
    claim("E13.d500.radial_share_inner", ("d500", "radial_share_inner"), "{:.3f}",
        "d = 500: median radial share |delta . x_hat| / |delta| of DeepFool's perturbation at inner-sphere points"),
    claim("E13.d500.radial_share_random", ("radial_share_random", "d500"), "{:.3f}",
        "d = 500: the radial share a random direction has, about 1/sqrt(d)"),
    claim("E13.sqrt_dim_ratio", ("sqrt_dim_ratio",), "{:.2f}", "sqrt(500/50), the 1/sqrt(d) prediction at a fixed error rate"),
    claim("E13.ratio", ("ratio",), "{:.2f}", "median distance at d = 50 over that at d = 500 (median over seeds)"),
    claim("E13.ratio_min", ("ratio_min",), "{:.2f}", "the smallest of those ratios over seeds"),
    claim("E13.ratio_max", ("ratio_max",), "{:.2f}", "the largest of those ratios over seeds"),
    claim("E13.predicted_ratio", ("predicted_ratio",), "{:.2f}",
        "B(mu_50, 50) / B(mu_500, 500): the ratio the bound predicts at the measured error rates (median over seeds)"),
    claim("E13.ratio_over_sqrt_min", ("ratio_over_sqrt_min",), "{:.2f}",
        "smallest over seeds of (distance ratio d = 50 / d = 500) / sqrt(10)", check=">= 0.6",
        why=_BAND_WHY + ("at matched error rates the ratio is sqrt(10); the training set grows with d to match the "
                         "rates, and a network whose errors sit near the bound at both d keeps sqrt(10) within 40%")),
    claim("E13.ratio_over_sqrt_max", ("ratio_over_sqrt_max",), "{:.2f}",
        "largest over seeds of (distance ratio d = 50 / d = 500) / sqrt(10)", check="<= 1.4",
        why=_BAND_WHY + ("a ratio above 1.4 sqrt(10) would mean the distance falls faster than 1/sqrt(d), "
                         "which concentration at matched error rates does not predict")),
    claim("E13.ratio_over_predicted_min", ("ratio_over_predicted_min",), "{:.2f}",
        "smallest over seeds of the distance ratio over the bound's ratio at the measured error rates", check=">= 0.6",
        why=_BAND_WHY + ("the bound's ratio at the measured rates is what concentration predicts even where the "
                         "rates differ; the measured ratio within 40% of it says the rates, not chance, set it")),
    claim("E13.ratio_over_predicted_max", ("ratio_over_predicted_max",), "{:.2f}",
        "largest over seeds of the distance ratio over the bound's ratio at the measured error rates", check="<= 1.4",
        why=_BAND_WHY + "the measured ratio should not exceed the bound's ratio at the measured rates by more than 40%"),
]
