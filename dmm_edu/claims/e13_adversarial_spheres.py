"""Claims of E13: adversarial spheres, the distance to the nearest error versus the dimension.

Each reads one metric of the E13 result (`dmm_edu.experiments.e13_adversarial_spheres`); when a metric key of that
experiment changes, this list changes with it. Distances are medians over the correctly classified test points of
the inner (unit) sphere, then medians over seeds; the checks read the seeds' extremes, so they hold on every seed.
The fitted exponent is the slope of log median distance on log d over all of the run's dimensions.
Quoted on the book page "Critiques and open questions" (the concentration account of C5).
"""

from __future__ import annotations

from dataclasses import replace

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
    claim("E13.d500.radial_share_random", ("random_radial_share", "d500"), "{:.3f}",
        "d = 500: the median radial share of a uniformly random direction, exact from the law of x_1 "
        "(about Phi^-1(0.75)/sqrt(d) = 0.674/sqrt(d), not the RMS 1/sqrt(d))"),
    claim("E13.d500.radial_share_over_random", ("d500", "radial_share_over_random_inner"), "{:.1f}",
        "d = 500: the measured median radial share over a random direction's median share"),
    claim("E13.R", ("R",), "{:.1f}", "the radius of the outer sphere (the inner one has radius 1)"),
    claim("E13.radial_route", ("radial_route",), "{:.2f}",
        "(R - 1)/2: the radial distance from the inner sphere to a boundary at the mid radius"),
    claim("E13.sqrt_dim_ratio", ("sqrt_dim_ratio",), "{:.2f}", "sqrt(500/50), the 1/sqrt(d) prediction at a fixed error rate"),
    claim("E13.ratio", ("ratio",), "{:.2f}", "median distance at d = 50 over that at d = 500 (median over seeds)"),
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
        why=("an empirical band, not a consequence of the bound: the quotient equals the share of its bound "
             "reached at d = 50 over the share reached at d = 500, and the bound caps each share but not their "
             "quotient; within 40% of 1 says the networks reach a similar share of their bound at both d, so "
             "the error rates, through the bound, set the ratio")),
    claim("E13.ratio_over_predicted_max", ("ratio_over_predicted_max",), "{:.2f}",
        "largest over seeds of the distance ratio over the bound's ratio at the measured error rates", check="<= 1.4",
        why=("an empirical band, not a consequence of the bound: the quotient equals the share of its bound "
             "reached at d = 50 over the share reached at d = 500; the bound caps each share near 1 but not "
             "their quotient, so the check says the networks reach a similar share of their bound at both d")),
    claim("E13.exponent", ("exponent",), "{:.2f}",
        "fitted exponent a of median distance ~ d^a over all the book's dimensions (log-log least squares; median over seeds)"),
    claim("E13.exponent_min", ("exponent_min",), "{:.2f}",
        "the steepest fitted exponent over seeds", check=">= -0.65",
        why=_BAND_WHY + ("at matched error rates the distance goes like d^(-1/2); an exponent below -0.65 would "
                         "mean it falls faster than concentration at matched rates predicts")),
    claim("E13.exponent_max", ("exponent_max",), "{:.2f}",
        "the shallowest fitted exponent over seeds", check="<= -0.35",
        why=_BAND_WHY + ("at matched error rates the distance goes like d^(-1/2); the band stops at -0.35 so that "
                         "a d^(-0.3) law, which the ratio band around sqrt(10) would still pass, fails it")),
]

#: medians over seeds whose per-seed list the result keeps beside them ("ratio" -> "ratio_seeds"): the book
#: prints their range
_WITH_SEEDS = ("error_inner", "error_outer", "distance_inner", "bound_inner", "share_of_bound_inner",
               "radial_share_inner", "ratio", "predicted_ratio", "exponent")
CLAIMS = [replace(c, per_seed=(*c.metric[:-1], c.metric[-1] + "_seeds")) if c.metric[-1] in _WITH_SEEDS else c
          for c in CLAIMS]
