"""The named numbers the book quotes, each tied to one metric of one saved experiment result.

A chapter never types a measured number: it writes `{{ claim("E1.B.cling_quarter_T") }}` and the
book's mkdocs hook (docs/hooks/claims.py) puts in the value formatted from the result, with a link
to the reproducibility appendix that says which run made it. A claim may also carry its testable
form (`check`, e.g. "< 0.85", from science.md), which the tests evaluate on the profile that backs
it. Book page: "Reproducibility" (appendix).

    from dmm_edu.claims import resolve
    value, text, prov = resolve("E5.c2_5.d_off_over_d_on", {"E5": result})   # 0.68, "0.68", {...}
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dmm_edu.results import Result


@dataclass(frozen=True)
class Claim:
    """One number the book quotes.

    name: "E1.B.cling_quarter_T" (experiment first); experiment: "E1"; metric: the key path into
    `result.metrics`, e.g. ("board_B", "cling_median"); at: optional (list key, value): the metric
    is a list, take the entry at the index where `metrics[list key]` equals value (e.g.
    ("fractions", 0.25)); fmt: a str.format spec for the value; description: one line; profile
    and seed: the run that backs the claim in the published book; check: its testable form, e.g.
    "< 0.85", ">= 2", "in [0.7, 1.5]" (None: reported, not asserted).
    """

    name: str
    experiment: str
    metric: tuple[str, ...]
    fmt: str
    description: str
    at: tuple[str, float] | None = None
    profile: str = "book"
    seed: int = 0
    check: str | None = None


def _c(name, metric, fmt, description, at=None, check=None) -> Claim:
    return Claim(name, name.split(".")[0], tuple(metric), fmt, description, at, check=check)


_QUARTER, _T, _INIT, _TENTH = ("fractions", 0.25), ("fractions", 1.0), ("fractions", 0.0), ("fractions", 0.1)

#: every claim the book may quote (tests check each one is used in docs/ and each use is listed here)
CLAIMS: dict[str, Claim] = {c.name: c for c in [
    # E1 — clinging and dimpling on the 8×8 chessboard (recipe B and its contrasts), the 2-D line toy
    _c("E1.B.n_seeds", ("board_B", "n_seeds"), "{:d}", "paired seeds per recipe"),
    _c("E1.B.n_reached_T", ("board_B", "n_reached_T"), "{:d}", "recipe-B seeds that reached T (every margin > 0.3)"),
    _c("E1.B.T_median", ("board_B", "T_median"), "{:,.0f}", "median T (steps) of recipe B"),
    _c("E1.B.cling_init", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at init", _INIT),
    _c("E1.B.cling_tenth_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 10% of T", _TENTH),
    _c("E1.B.cling_quarter_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 25% of T",
       _QUARTER),
    _c("E1.B.cling_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at T", _T),
    _c("E1.B.accuracy_quarter_T", ("board_B", "accuracy_median"), "{:.0%}",
       "recipe B: median train accuracy at 25% of T", _QUARTER),
    _c("E1.B.share_clinging_quarter_T", ("board_B", "share_cling_below_0.15_at_quarter_T"), "{:.0%}",
       "recipe B: share of seeds with cling < 0.15 at 25% of T"),
    _c("E1.B.normal_margin_T", ("board_B", "normal_margin_T_median"), "{:.2f}",
       "recipe B: median normal margin (dimple depth) at T"),
    _c("E1.B.in_margin_T", ("board_B", "in_margin_T_median"), "{:.2f}", "recipe B: median in-manifold margin at T"),
    _c("E1.B.normal_over_in_T", ("board_B", "normal_over_in_margin_T_median"), "{:.1f}",
       "recipe B: median ratio normal / in-manifold margin at T"),
    _c("E1.small_init.cling_quarter_T", ("board_small_init", "cling_median"), "{:.2f}",
       "small init: median cling at 25% of recipe B's T", _QUARTER),
    _c("E1.small_init.n_reached_T", ("board_small_init", "n_reached_T"), "{:d}",
       "small init: seeds that met the margin rule"),
    _c("E1.line.cling_quarter_T", ("line_B", "cling_median"), "{:.2f}",
       "the paper's 2-D line toy, recipe B: median cling at 25% of T", _QUARTER),
    # E5 — minimal attacks free / on / off the manifold, exact tangent
    _c("E5.c2_5.d_off_over_d_on", ("c2.5", "d_off_over_d_on"), "{:.2f}", "init scale 2.5: median d_off / d_on",
       check="< 0.85"),
    _c("E5.c0_5.d_off_over_d_on", ("c0.5", "d_off_over_d_on"), "{:.2f}", "init scale 0.5: median d_off / d_on",
       check="> 2.5"),
    _c("E5.c2_5.d_on_over_d_free", ("c2.5", "d_on_over_d_free"), "{:.2f}", "init scale 2.5: median d_on / d_free"),
    _c("E5.sqrt_n_over_k", ("c2.5", "sqrt_n_over_k"), "{:.1f}",
       "random-subspace baseline sqrt(n/k) for d_on / d_free"),
    _c("E5.c0_5.d_on_over_d_free", ("c0.5", "d_on_over_d_free"), "{:.2f}", "init scale 0.5: median d_on / d_free"),
    _c("E5.c2_5.d_off_over_d_free", ("c2.5", "d_off_over_d_free"), "{:.2f}", "init scale 2.5: median d_off / d_free"),
    _c("E5.c0_5.d_off_over_d_free", ("c0.5", "d_off_over_d_free"), "{:.2f}", "init scale 0.5: median d_off / d_free"),
    _c("E5.c2_5.free_within_5pct", ("c2.5", "free_within_5pct_of_best"), "{:.0%}",
       "init scale 2.5: share of points with d_free <= 1.05 min(d_on, d_off)"),
    _c("E5.c2_5.test_accuracy", ("c2.5", "test_accuracy"), "{:.0%}", "init scale 2.5: clean test accuracy"),
    _c("E5.c0_5.test_accuracy", ("c0.5", "test_accuracy"), "{:.0%}", "init scale 0.5: clean test accuracy"),
    # E2 — boundary tilting: a line in R^n, w = e1 + t v
    _c("E2.n100.margin_ratio_max_tilt", ("n100", "margin_ratio_max_tilt"), "{:.3f}",
       "n = 100: minimal distance at tilt t = 100 over the one at t = 0", check="< 0.02"),
    _c("E2.n100.on_max_tilt", ("n100", "on_fraction_max_tilt"), "{:.3f}", "n = 100: on(delta) of the minimal delta at t = 100"),
    _c("E2.n100.accuracy_min", ("n100", "accuracy_min"), "{:.0%}", "n = 100: lowest train accuracy over all tilts"),
    _c("E2.n100.normal_before_c10", ("n100", "normal_norm_before"), "{:.2f}",
       "n = 100, init scale 10: norm of the normal part of w before SGD", ("init_scales", 10.0)),
    _c("E2.n100.normal_after_c10", ("n100", "normal_norm_after"), "{:.2f}",
       "n = 100, init scale 10: norm of the normal part of w after SGD", ("init_scales", 10.0)),
    _c("E2.n100.margin_c0_1", ("n100", "trained_margin"), "{:.2f}",
       "n = 100, init scale 0.1: median minimal distance after SGD", ("init_scales", 0.1)),
    _c("E2.n100.margin_c10", ("n100", "trained_margin"), "{:.2f}",
       "n = 100, init scale 10: median minimal distance after SGD", ("init_scales", 10.0)),
    # E3 — the random-direction baseline
    _c("E3.n200_k10.baseline", ("n200_k10", "baseline"), "{:.3f}", "n = 200, k = 10: sqrt(k/n)"),
    _c("E3.n200_k10.on_random_mean", ("n200_k10", "on_random_mean"), "{:.3f}", "n = 200, k = 10: mean on(random direction)"),
    _c("E3.n200_k10.on_random_sd", ("n200_k10", "on_random_sd"), "{:.3f}", "n = 200, k = 10: sd of on(random direction)"),
    _c("E3.n200_k10.on_grad_untrained", ("n200_k10", "on_grad_untrained_mean"), "{:.3f}",
       "n = 200, k = 10: mean on(gradient) of an untrained MLP at data points"),
    _c("E3.n50_k25.baseline", ("n50_k25", "baseline"), "{:.3f}", "n = 50, k = 25: sqrt(k/n)"),
    _c("E3.n50_k25.on_random_mean", ("n50_k25", "on_random_mean"), "{:.3f}", "n = 50, k = 25: mean on(random direction)"),
    # E4 — perpendicularity of the trained gradient vs init scale
    _c("E4.random_baseline", ("random_baseline",), "{:.2f}", "sqrt(k/n) of the subspace world"),
    _c("E4.c0_5.on_grad", ("c0.5", "on_grad_median"), "{:.2f}", "init scale 0.5: median on(grad) after training"),
    _c("E4.c1_41.on_grad", ("c1.41", "on_grad_median"), "{:.2f}", "init scale 1.41: median on(grad) after training"),
    _c("E4.c2_5.on_grad", ("c2.5", "on_grad_median"), "{:.2f}", "init scale 2.5: median on(grad) after training",
       check="> 0.45"),
    _c("E4.c2_5.on_grad_init", ("c2.5", "on_grad_init_median"), "{:.2f}", "init scale 2.5: median on(grad) at init"),
    _c("E4.c2_5.test_accuracy", ("c2.5", "test_accuracy"), "{:.0%}", "init scale 2.5: clean test accuracy"),
    # E6 — real digits, PCA / local-PCA tangents, random k-frame control (DeepFool)
    _c("E6.clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "MLP test accuracy on the bundled digits"),
    _c("E6.k", ("k",), "{:d}", "tangent dimension k of the image experiments"),
    _c("E6.pca_explained_variance", ("pca_explained_variance",), "{:.0%}",
       "share of the digits' variance kept by the top-k principal directions"),
    _c("E6.random_baseline_on", ("random_baseline_on",), "{:.2f}", "sqrt(k/n) for digits (n = 784)"),
    _c("E6.random_baseline_ratio", ("random_baseline_ratio",), "{:.1f}", "sqrt(n/k) for digits (n = 784)"),
    _c("E6.n_attacked", ("pca", "n_attacked"), "{:d}", "correctly classified test digits attacked"),
    _c("E6.d_free", ("pca", "d_free"), "{:.2f}", "median minimal L2 perturbation d_free (DeepFool)"),
    _c("E6.rho", ("rho_deepfool",), "{:.3f}", "median rho = ||d_free|| / ||x|| (DeepFool's robustness measure)"),
    _c("E6.published_rho", ("published", "deepfool_rho_mnist_fc"), "{:.2f}",
       "DeepFool's published rho for an MNIST FC500-150-10 net (Moosavi-Dezfooli et al. 2016)"),
    _c("E6.pca.on_free", ("pca", "on_free_median"), "{:.2f}", "global PCA: median on(d_free)", check="> 0.25"),
    _c("E6.local_pca.on_free", ("local_pca", "on_free_median"), "{:.2f}", "local PCA: median on(d_free)",
       check="> 0.25"),
    _c("E6.random_frame.on_free", ("random_frame", "on_free_median"), "{:.2f}", "random k-frame: median on(d_free)"),
    _c("E6.pca.d_on_over_d_free", ("pca", "d_on_over_d_free"), "{:.2f}", "global PCA: d_on / d_free"),
    _c("E6.pca.d_off_over_d_free", ("pca", "d_off_over_d_free"), "{:.2f}", "global PCA: d_off / d_free"),
    _c("E6.local_pca.d_on_over_d_free", ("local_pca", "d_on_over_d_free"), "{:.2f}", "local PCA: d_on / d_free"),
    _c("E6.local_pca.d_off_over_d_free", ("local_pca", "d_off_over_d_free"), "{:.2f}", "local PCA: d_off / d_free"),
    _c("E6.random_frame.d_on_over_d_free", ("random_frame", "d_on_over_d_free"), "{:.2f}",
       "random k-frame: d_on / d_free (control; near sqrt(n/k))"),
    _c("E6.random_frame.d_off_over_d_free", ("random_frame", "d_off_over_d_free"), "{:.2f}",
       "random k-frame: d_off / d_free (control)"),
    # E7 — the paper's protocol: autoencoder decoder-Jacobian tangent; DeepFool and early-stopped PGD
    _c("E7.clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "MLP test accuracy on the bundled digits"),
    _c("E7.ae_test_mse", ("ae_test_mse",), "{:.4f}", "autoencoder test reconstruction MSE per pixel"),
    _c("E7.ae.on_free", ("ae", "on_free_median"), "{:.2f}", "autoencoder tangent: median on(d_free)"),
    _c("E7.ae.d_on_over_d_free", ("ae", "d_on_over_d_free"), "{:.2f}", "autoencoder tangent, DeepFool: d_on / d_free"),
    _c("E7.ae.d_off_over_d_free", ("ae", "d_off_over_d_free"), "{:.2f}",
       "autoencoder tangent, DeepFool: d_off / d_free"),
    _c("E7.pgd.d_on_over_d_free", ("pgd", "d_on_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_on / d_free",
       check="> 1.2"),
    _c("E7.pgd.d_off_over_d_free", ("pgd", "d_off_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_off / d_free",
       check="< 1.5"),
    _c("E7.pgd.d_free", ("pgd", "d_free"), "{:.2f}", "autoencoder tangent, PGD: median d_free"),
    _c("E7.ae.d_free", ("ae", "d_free"), "{:.2f}", "DeepFool: median d_free"),
    _c("E7.random_frame.d_on_over_d_free", ("random_frame", "d_on_over_d_free"), "{:.2f}",
       "random k-frame, DeepFool: d_on / d_free (control)"),
    _c("E7.karner.d_on_over_d_free", ("published", "karner_mnist_mlp", "d_on_over_d_free"), "{:.2f}",
       "Karner's published d_on / d_free (MNIST MLP, autoencoder tangent, PGD)"),
    _c("E7.karner.d_off_over_d_free", ("published", "karner_mnist_mlp", "d_off_over_d_free"), "{:.2f}",
       "Karner's published d_off / d_free"),
    # E8 — clinging and dimpling over training in the subspace world (init scales 2.5 and 0.5)
    _c("E8.random_baseline", ("ratio_random_baseline",), "{:.2f}",
       "d_off / d_on of a randomly oriented linear boundary: sqrt(k / (n - k))"),
    _c("E8.c2_5.ratio_init", ("c2.5", "d_off_over_d_on"), "{:.2f}", "c = 2.5: median d_off / d_on at init",
       ("epochs", 0)),
    _c("E8.c2_5.ratio_epoch1", ("c2.5", "d_off_over_d_on"), "{:.2f}", "c = 2.5: median d_off / d_on after epoch 1",
       ("epochs", 1)),
    _c("E8.c2_5.ratio_epoch20", ("c2.5", "d_off_over_d_on"), "{:.2f}",
       "c = 2.5: median d_off / d_on after epoch 20", ("epochs", 20)),
    _c("E8.c2_5.ratio_max_trained", ("c2.5", "max_d_off_over_d_on_trained"), "{:.2f}",
       "c = 2.5: largest median d_off / d_on over the trained epochs", check="< 0.8"),
    _c("E8.c2_5.accuracy_epoch1", ("c2.5", "test_accuracy"), "{:.0%}", "c = 2.5: test accuracy after epoch 1",
       ("epochs", 1)),
    _c("E8.c2_5.d_off_epoch1", ("c2.5", "d_off"), "{:.2f}", "c = 2.5: median d_off after epoch 1", ("epochs", 1)),
    _c("E8.c2_5.d_off_epoch20", ("c2.5", "d_off"), "{:.2f}", "c = 2.5: median d_off after epoch 20",
       ("epochs", 20)),
    _c("E8.c2_5.d_on_epoch20", ("c2.5", "d_on"), "{:.2f}", "c = 2.5: median d_on after epoch 20", ("epochs", 20)),
    _c("E8.c2_5.on_grad_epoch20", ("c2.5", "on_grad_median"), "{:.2f}",
       "c = 2.5: median on(grad) after epoch 20", ("epochs", 20)),
    _c("E8.c0_5.accuracy_epoch2", ("c0.5", "test_accuracy"), "{:.0%}", "c = 0.5: test accuracy after epoch 2",
       ("epochs", 2)),
    _c("E8.c0_5.ratio_epoch2", ("c0.5", "d_off_over_d_on"), "{:.2f}", "c = 0.5: median d_off / d_on after epoch 2",
       ("epochs", 2)),
    _c("E8.c0_5.ratio_epoch20", ("c0.5", "d_off_over_d_on"), "{:.2f}",
       "c = 0.5: median d_off / d_on after epoch 20", ("epochs", 20)),
    _c("E8.c0_5.on_grad_epoch20", ("c0.5", "on_grad_median"), "{:.2f}",
       "c = 0.5: median on(grad) after epoch 20", ("epochs", 20)),
    # E8i — clinging over training on the bundled digits, PCA tangent (k = 16)
    _c("E8i.ratio_init", ("d_off_over_d_on",), "{:.2f}", "digits: median d_off / d_on at init", ("epochs", 0)),
    _c("E8i.ratio_epoch1", ("d_off_over_d_on",), "{:.2f}", "digits: median d_off / d_on after epoch 1",
       ("epochs", 1)),
    _c("E8i.ratio_epoch2", ("d_off_over_d_on",), "{:.2f}", "digits: median d_off / d_on after epoch 2",
       ("epochs", 2)),
    _c("E8i.ratio_final", ("final", "d_off_over_d_on"), "{:.2f}", "digits: median d_off / d_on after the last epoch"),
    _c("E8i.on_free_init", ("on_free_median",), "{:.2f}", "digits: median on(d_free) at init", ("epochs", 0)),
    _c("E8i.on_free_epoch1", ("on_free_median",), "{:.2f}", "digits: median on(d_free) after epoch 1", ("epochs", 1)),
    _c("E8i.random_baseline_on", ("random_baseline_on",), "{:.2f}", "digits: sqrt(k/n), on() of a random direction"),
    _c("E8i.accuracy_epoch1", ("test_accuracy",), "{:.0%}", "digits: test accuracy after epoch 1", ("epochs", 1)),
    _c("E8i.final_accuracy", ("final", "test_accuracy"), "{:.1%}", "digits: test accuracy after the last epoch"),
    _c("E8i.d_free_init", ("d_free",), "{:.2f}", "digits: median d_free at init", ("epochs", 0)),
    _c("E8i.d_free_final", ("final", "d_free"), "{:.2f}", "digits: median d_free after the last epoch"),
    _c("E8i.d_on_over_d_free_final", ("final", "d_on_over_d_free"), "{:.2f}",
       "digits: median d_on / d_free after the last epoch"),
    # E9 — adversarial training (PGD-L2, eps 0.2) against standard training, subspace world, c = 2.5
    _c("E9.ratio_d_off", ("ratio_d_off",), "{:.1f}", "d_off after AT over d_off after standard training",
       check="> 2"),
    _c("E9.ratio_d_on", ("ratio_d_on",), "{:.1f}", "d_on after AT over d_on after standard training",
       check="in [0.7, 1.5]"),
    _c("E9.ratio_d_free", ("ratio_d_free",), "{:.1f}", "d_free after AT over d_free after standard training"),
    _c("E9.standard.d_off_over_d_on", ("standard", "d_off_over_d_on"), "{:.2f}", "standard training: d_off / d_on"),
    _c("E9.adversarial.d_off_over_d_on", ("adversarial", "d_off_over_d_on"), "{:.2f}", "AT: d_off / d_on"),
    _c("E9.standard.on_grad", ("standard", "on_grad_median"), "{:.2f}", "standard training: median on(grad)"),
    _c("E9.adversarial.on_grad", ("adversarial", "on_grad_median"), "{:.2f}", "AT: median on(grad)"),
    _c("E9.random_baseline", ("random_baseline",), "{:.2f}", "sqrt(k/n) of the subspace world"),
    _c("E9.standard.pgd_success", ("standard", "pgd_success_at_eps"), "{:.0%}",
       "standard training: PGD success rate at the training eps"),
    _c("E9.adversarial.pgd_success", ("adversarial", "pgd_success_at_eps"), "{:.0%}",
       "AT: PGD success rate at the training eps"),
    _c("E9.adversarial.test_accuracy", ("adversarial", "test_accuracy"), "{:.0%}", "AT: clean test accuracy"),
    _c("E9.n_measured", ("n_measured",), "{:d}", "test points where every attack on both networks succeeded"),
    _c("E9.slices.n_points", ("slices", "n_points"), "{:d}", "test points sliced for the figure"),
    _c("E9.slices.normal_misses_adversarial", ("slices", "normal_ray_misses_adversarial"), "{:d}",
       "sliced points where AT's boundary is not met along the normal within 4x the standard net's longest distance"),
    _c("E9.slices.normal_misses_standard", ("slices", "normal_ray_misses_standard"), "{:d}",
       "sliced points where the standard boundary is not met along the normal (same reach)"),
    _c("E9.slices.cross_u_ratio", ("slices", "cross_u_ratio_median"), "{:.2f}",
       "median AT / standard distance to the boundary along the manifold ray, in the shared plane"),
    # E9i — adversarial training on the bundled digits, PCA tangent
    _c("E9i.eps", ("eps",), "{:.2f}", "digits: the L2 radius of the training attack (the standard net's median d_free)"),
    _c("E9i.ratio_d_off", ("ratio_d_off",), "{:.2f}", "digits: d_off after AT over d_off after standard training"),
    _c("E9i.ratio_d_on", ("ratio_d_on",), "{:.2f}", "digits: d_on after AT over d_on after standard training"),
    _c("E9i.ratio_d_free", ("ratio_d_free",), "{:.2f}", "digits: d_free after AT over d_free after standard training"),
    _c("E9i.standard.d_off_over_d_on", ("standard", "d_off_over_d_on"), "{:.2f}", "digits, standard: d_off / d_on"),
    _c("E9i.adversarial.d_off_over_d_on", ("adversarial", "d_off_over_d_on"), "{:.2f}", "digits, AT: d_off / d_on"),
    _c("E9i.standard.on_free", ("standard", "on_free_median"), "{:.2f}", "digits, standard: median on(d_free)"),
    _c("E9i.adversarial.on_free", ("adversarial", "on_free_median"), "{:.2f}", "digits, AT: median on(d_free)"),
    _c("E9i.standard.test_accuracy", ("standard", "test_accuracy"), "{:.1%}", "digits, standard: clean test accuracy"),
    _c("E9i.adversarial.test_accuracy", ("adversarial", "test_accuracy"), "{:.1%}", "digits, AT: clean test accuracy"),
    _c("E9i.standard.robust_accuracy", ("standard", "robust_accuracy"), "{:.0%}",
       "digits, standard: accuracy under PGD-L2 at eps"),
    _c("E9i.adversarial.robust_accuracy", ("adversarial", "robust_accuracy"), "{:.0%}",
       "digits, AT: accuracy under PGD-L2 at eps"),
    # E10 — mislabeled adversarial training on the bundled digits (D_det, D_rand; targeted L2 PGD from N1)
    _c("E10.chance", ("chance",), "{:.0%}", "chance accuracy (1 / C)"),
    _c("E10.N1.test_accuracy", ("N1", "test_accuracy"), "{:.1%}", "N1's clean test accuracy"),
    _c("E10.det_eps0_5.attack_success", ("det_eps0.5", "attack_success"), "{:.0%}",
       "D_det, eps 0.5: share of x + delta that N1 labels t"),
    _c("E10.det_eps0_5.N2", ("det_eps0.5", "N2_test_accuracy"), "{:.1%}", "D_det, eps 0.5: N2's clean test accuracy",
       check="<= 0.1"),
    _c("E10.det_eps0_5.says_y_plus_1", ("det_eps0.5", "N2_test_says_y_plus_1"), "{:.0%}",
       "D_det, eps 0.5: share of clean test images N2 labels y + 1"),
    _c("E10.det_eps2.attack_success", ("det_eps2", "attack_success"), "{:.0%}",
       "D_det, eps 2: share of x + delta that N1 labels t"),
    _c("E10.det_eps2.N2", ("det_eps2", "N2_test_accuracy"), "{:.1%}", "D_det, eps 2: N2's clean test accuracy"),
    _c("E10.rand_eps0_5.attack_success", ("rand_eps0.5", "attack_success"), "{:.0%}",
       "D_rand, eps 0.5: share of x + delta that N1 labels t"),
    _c("E10.rand_eps0_5.N2", ("rand_eps0.5", "N2_test_accuracy"), "{:.1%}", "D_rand, eps 0.5: N2's clean test accuracy"),
    _c("E10.rand_eps2.attack_success", ("rand_eps2", "attack_success"), "{:.0%}",
       "D_rand, eps 2: share of x + delta that N1 labels t"),
    _c("E10.rand_eps2.N2", ("rand_eps2", "N2_test_accuracy"), "{:.1%}", "D_rand, eps 2: N2's clean test accuracy"),
    _c("E10.largest.eps", ("largest_eps", "eps"), "{:g}", "the largest L2 budget of the attack"),
    _c("E10.largest.rand.attack_success", ("largest_eps", "rand", "attack_success"), "{:.0%}",
       "D_rand, largest eps: share of x + δ that N1 labels t"),
    _c("E10.largest.rand.N2", ("largest_eps", "rand", "N2_test_accuracy"), "{:.1%}",
       "D_rand, largest eps: N2's clean test accuracy"),
    _c("E10.largest.det.attack_success", ("largest_eps", "det", "attack_success"), "{:.0%}",
       "D_det, largest eps: share of x + δ that N1 labels t"),
    _c("E10.largest.det.N2", ("largest_eps", "det", "N2_test_accuracy"), "{:.1%}",
       "D_det, largest eps: N2's clean test accuracy"),
    _c("E10.rand_eps2.t_equals_y", ("rand_eps2", "t_equals_y"), "{:.0%}", "D_rand: share of new labels equal to y"),
    _c("E10.ilyas.original", ("published", "ilyas_cifar10", "original"), "{:.1%}",
       "Ilyas et al. (2019), CIFAR-10: the original network's test accuracy"),
    _c("E10.ilyas.d_rand", ("published", "ilyas_cifar10", "d_rand"), "{:.1%}",
       "Ilyas et al. (2019), CIFAR-10: N2 trained on D_rand"),
    _c("E10.ilyas.d_det", ("published", "ilyas_cifar10", "d_det"), "{:.1%}",
       "Ilyas et al. (2019), CIFAR-10: N2 trained on D_det"),
    # E11 — mislabeled adversarial training in the subspace world, with an oracle; off-manifold attacks
    _c("E11.chance", ("chance",), "{:.0%}", "chance accuracy (1 / C)"),
    _c("E11.N1.test_accuracy", ("N1", "test_accuracy"), "{:.0%}", "N1's clean test accuracy"),
    _c("E11.rand_off_eps2.N2", ("rand_off_eps2", "N2_test_accuracy"), "{:.0%}",
       "D_rand, off-manifold, eps = 2 d_off: N2's clean test accuracy", check=">= 0.6"),
    _c("E11.rand_off_eps2.oracle_agrees", ("rand_off_eps2", "oracle_agrees_with_t"), "{:.0%}",
       "D_rand, off-manifold, eps = 2 d_off: share of new labels the oracle agrees with", check="<= 0.35"),
    _c("E11.rand_off_eps2.attack_success", ("rand_off_eps2", "attack_success"), "{:.0%}",
       "D_rand, off-manifold, eps = 2 d_off: share of x + delta that N1 labels t"),
    _c("E11.rand_off_eps0_5.N2", ("rand_off_eps0.5", "N2_test_accuracy"), "{:.0%}",
       "D_rand, off-manifold, eps = 0.5 d_off: N2's clean test accuracy"),
    _c("E11.rand_off_eps0_5.attack_success", ("rand_off_eps0.5", "attack_success"), "{:.0%}",
       "D_rand, off-manifold, eps = 0.5 d_off: share of x + delta that N1 labels t"),
    _c("E11.det_off_eps2.N2", ("det_off_eps2", "N2_test_accuracy"), "{:.0%}",
       "D_det, off-manifold, eps = 2 d_off: N2's clean test accuracy"),
    _c("E11.det_off_eps2.attack_success", ("det_off_eps2", "attack_success"), "{:.0%}",
       "D_det, off-manifold, eps = 2 d_off: share of x + delta that N1 labels t"),
    _c("E11.control.N2", ("control_rand_labels_no_delta", "N2_test_accuracy"), "{:.0%}",
       "control: N2 on the clean points with the D_rand labels, no delta"),
    # E12 — Wallace's control: N2 on an early N1's wrong labels, no perturbation
    _c("E12.N1_early.train_accuracy", ("N1_early", "train_accuracy"), "{:.1%}",
       "N1_early's training-set accuracy when it stops"),
    _c("E12.N1_early.batches", ("N1_early", "batches"), "{:d}", "SGD batches N1_early trained for"),
    _c("E12.n_wrong", ("n_wrong",), "{:,d}", "training images N1_early gets wrong (N2's whole training set)"),
    _c("E12.N2.test_accuracy", ("N2", "test_accuracy"), "{:.1%}", "N2 (trained on N1_early's wrong labels only): "
       "clean test accuracy", check=">= 0.2"),
    _c("E12.N2.agrees_with_N1_early", ("N2", "agrees_with_N1_early_test"), "{:.0%}",
       "share of test images where N2 and N1_early give the same label"),
    _c("E12.control.N2", ("control_uniform_wrong_labels", "N2_test_accuracy"), "{:.1%}",
       "control: the same images with uniform labels != y: N2's clean test accuracy"),
    _c("E12.wallace", ("published", "wallace_cifar10"), "{:.1%}", "Wallace (2019), CIFAR-10: N2's clean test accuracy"),
]}

#: how a chapter quotes a claim: {{ claim("NAME") }} (the mkdocs hook replaces it)
PATTERN = re.compile(r"\{\{\s*claim\(\s*[\"']([^\"']+)[\"']\s*\)\s*\}\}")

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def names_in(markdown: str) -> list[str]:
    """The claim names quoted in a Markdown text, in order (repeats kept)."""
    return PATTERN.findall(markdown)


def get_claim(name: str) -> Claim:
    """The claim registered as `name`; KeyError naming the closest registered names."""
    if name not in CLAIMS:
        near = difflib.get_close_matches(name, CLAIMS, n=3, cutoff=0.5)
        hint = f"; did you mean {near}?" if near else f"; registered claims start with {sorted({c.split('.')[0] for c in CLAIMS})}"
        raise KeyError(f"claim {name!r} is not in dmm_edu.claims.CLAIMS{hint}")
    return CLAIMS[name]


def experiments_for(names=None) -> dict[str, int]:
    """{experiment id: seed} the claims `names` (default: all) need; ValueError if one experiment needs two seeds."""
    seeds: dict[str, int] = {}
    for name in CLAIMS if names is None else names:
        claim = get_claim(name)
        if seeds.setdefault(claim.experiment, claim.seed) != claim.seed:
            raise ValueError(f"claims of {claim.experiment} use seeds {seeds[claim.experiment]} and {claim.seed}; "
                             "the book backs each experiment with one run")
    return seeds


def metric_value(claim: Claim, metrics: Mapping) -> float:
    """The number `claim` names in a result's metrics dict; ValueError if missing, not a number or not finite."""
    where = f"claim {claim.name!r} ({claim.experiment} metrics {'/'.join(claim.metric)})"
    node = metrics
    for key in claim.metric:
        if not isinstance(node, Mapping) or key not in node:
            raise ValueError(f"{where}: key {key!r} is missing; the result has "
                             f"{sorted(node) if isinstance(node, Mapping) else type(node).__name__}")
        node = node[key]
    if claim.at is not None:
        list_key, target = claim.at
        axis = list(metrics.get(list_key, []))
        hits = [i for i, v in enumerate(axis) if isinstance(v, (int, float)) and math.isclose(v, target)]
        if not hits or not isinstance(node, list) or len(node) != len(axis):
            raise ValueError(f"{where}: no entry at {list_key} = {target:g} (the result's {list_key}: {axis})")
        node = node[hits[0]]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ValueError(f"{where} is {node!r}, not a number")
    if not math.isfinite(node):
        raise ValueError(f"{where} is {node!r}: the experiment produced no finite value (for a median: no run "
                         "reached the state it summarises); fix the experiment or quote another metric")
    return node


def provenance(claim: Claim, result: Result) -> dict:
    """Where a claim's value comes from: experiment, profile, seed, metric, and short config/code/content hashes."""
    config = json.dumps(result.config, sort_keys=True, separators=(",", ":"))
    prov = result.provenance or {}
    return {"claim": claim.name, "experiment": result.experiment, "profile": result.profile, "seed": result.seed,
            "metric": "/".join(claim.metric) + (f" at {claim.at[0]}={claim.at[1]:g}" if claim.at else ""),
            "config_hash": hashlib.sha256(config.encode()).hexdigest()[:12],
            "code_hash": str(prov.get("code_hash", "unknown"))[:12],
            "content_hash": result.content_hash()[:12], "versions": prov.get("versions", {})}


def resolve(name: str, results: Mapping[str, Result]) -> tuple[float, str, dict]:
    """(value, formatted text, provenance) of the claim `name`, read from `results[claim.experiment]`.

    results: {experiment id: Result}. KeyError for an unknown claim (naming near matches) or a
    missing experiment; ValueError for a seed mismatch or a metric that is absent, not a number or NaN.
    """
    claim = get_claim(name)
    if claim.experiment not in results:
        raise KeyError(f"claim {name!r} needs a result of {claim.experiment}; given results of {sorted(results)}")
    result = results[claim.experiment]
    if result.seed != claim.seed:
        raise ValueError(f"claim {name!r} is backed by seed {claim.seed}; the {claim.experiment} result given "
                         f"has seed {result.seed}")
    value = metric_value(claim, result.metrics)
    return value, claim.fmt.format(value), provenance(claim, result)


def check(claim: Claim, value: float) -> bool:
    """Whether `value` satisfies `claim.check` ("< 0.85", ">= 2", "in [0.7, 1.5]"); True when it has none."""
    if claim.check is None:
        return True
    text = claim.check.strip()
    m = re.fullmatch(r"in \[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]", text)
    if m:
        return float(m.group(1)) <= value <= float(m.group(2))
    m = re.fullmatch(r"(<=|>=|<|>)\s*([-+0-9.eE]+)", text)
    if not m:
        raise ValueError(f"claim {claim.name!r}: check={claim.check!r} is not accepted; "
                         "expected '< x', '<= x', '> x', '>= x' or 'in [a, b]'")
    return _OPS[m.group(1)](value, float(m.group(2)))


__all__ = ["CLAIMS", "PATTERN", "Claim", "check", "experiments_for", "get_claim", "metric_value", "names_in", "provenance",
           "resolve"]
