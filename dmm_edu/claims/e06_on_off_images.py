"""Claims of E6: real digits, PCA / local-PCA tangents, random k-frame control (DeepFool).

Each reads one metric of the E6 result (`dmm_edu.experiments.e06_on_off_images`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "On- vs off-manifold perturbations".
"""

from __future__ import annotations

from dataclasses import replace

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E6.clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "MLP test accuracy on the bundled digits"),
    claim("E6.k", ("k",), "{:d}", "tangent dimension k of the image experiments"),
    claim("E6.pca_explained_variance", ("pca_explained_variance",), "{:.0%}",
        "share of the digits' variance kept by the top-k principal directions"),
    claim("E6.baseline_on", ("baseline_on",), "{:.2f}", "sqrt(k/n) for digits (n = 784)"),
    claim("E6.baseline_d_on_over_d_free", ("baseline_d_on_over_d_free",), "{:.1f}", "sqrt(n/k) for digits (n = 784)"),
    claim("E6.n_attacked", ("pca", "n_attacked"), "{:d}", "correctly classified test digits attacked"),
    claim("E6.d_free", ("pca", "d_free"), "{:.2f}", "median minimal L2 perturbation d_free (DeepFool)"),
    claim("E6.rho", ("rho_mean",), "{:.3f}", "mean rho = ||d_free|| / ||x|| (DeepFool's robustness measure, a mean in their paper too)"),
    claim("E6.rho_mean", ("rho_mean",), "{:.3f}",
        "mean rho = ||d_free|| / ||x|| over the flipped digits: what DeepFool's paper reports, so what is compared"),
    claim("E6.rho_median", ("rho_median",), "{:.3f}",
        "median rho = ||d_free|| / ||x|| over the flipped digits (beside the mean: a few hard digits pull the mean up)"),
    claim("E6.pca.on_delta", ("pca", "on_delta"), "{:.2f}", "global PCA: median on(d_free)", check="> 0.25",
        why=("the minimal perturbation must lean towards the manifold more than chance: its on-fraction above the "
             "random sqrt(k/n) = 0.14 by more than 0.1, more than the sampling spread of a median")),
    claim("E6.local_pca.on_delta", ("local_pca", "on_delta"), "{:.2f}", "local PCA: median on(d_free)",
        check="> 0.25",
        why=("the same test with the local tangent: on(d_free) above the random sqrt(k/n) = 0.14 by more than 0.1,"
             " so the result does not hang on one tangent estimate")),
    claim("E6.random_frame.on_delta", ("random_frame", "on_delta"), "{:.2f}", "random k-frame: median on(d_free)"),
    claim("E6.pca.d_on_over_d_free", ("pca", "d_on_over_d_free"), "{:.2f}", "global PCA: d_on / d_free"),
    claim("E6.pca.d_off_over_d_free", ("pca", "d_off_over_d_free"), "{:.2f}", "global PCA: d_off / d_free"),
    claim("E6.pca.d_off_over_d_on", ("pca", "d_off_over_d_on"), "{:.2f}", "global PCA: d_off / d_on (below 1: the DMM's order)"),
    claim("E6.local_pca.d_on_over_d_free", ("local_pca", "d_on_over_d_free"), "{:.2f}", "local PCA: d_on / d_free"),
    claim("E6.local_pca.d_off_over_d_free", ("local_pca", "d_off_over_d_free"), "{:.2f}", "local PCA: d_off / d_free"),
    claim("E6.random_frame.d_on_over_d_free", ("random_frame", "d_on_over_d_free"), "{:.2f}",
        "random k-frame: d_on / d_free (control; near sqrt(n/k))"),
    claim("E6.random_frame.d_off_over_d_free", ("random_frame", "d_off_over_d_free"), "{:.2f}",
        "random k-frame: d_off / d_free (control)"),
    # the book's first adversarial example (chapter 1 opens with it): the digit of median rho, attacked in the box
    claim("E6.opening.label", ("opening", "label"), "{:d}", "opening example: the digit's true class"),
    claim("E6.opening.adv_label", ("opening", "adv_label"), "{:d}", "opening example: the class predicted at x + delta"),
    claim("E6.opening.p_label", ("opening", "p_label"), "{:.0%}",
        "opening example: the network's probability for the true class at x"),
    claim("E6.opening.p_adv_label", ("opening", "p_adv_label"), "{:.1%}",
        "opening example: the probability of the new class at x + delta"),
    claim("E6.opening.p_label_at_adv", ("opening", "p_label_at_adv"), "{:.1%}",
        "opening example: the probability of the true class at x + delta"),
    claim("E6.opening.delta_norm", ("opening", "delta_norm"), "{:.2f}",
        "opening example: ||delta||, DeepFool inside the pixel box [0, 1]"),
    claim("E6.opening.free_norm", ("opening", "free_norm"), "{:.2f}",
        "opening example: ||delta_free||, DeepFool without the box (as the book measures d_free)"),
    claim("E6.opening.x_norm", ("opening", "x_norm"), "{:.1f}", "opening example: ||x||"),
    claim("E6.opening.rho", ("opening", "rho"), "{:.2f}", "opening example: ||delta|| / ||x||"),
    claim("E6.opening.delta_max_abs", ("opening", "delta_max_abs"), "{:.2f}",
        "opening example: the largest change of one pixel, max |delta_i| (pixels in [0, 1])"),
    claim("E6.opening.amplification", ("opening", "amplification"), "{:g}",
        "opening example: the factor the figure multiplies delta by to show it"),
]

# the opening example's numbers describe the figure, seed 0's digit (another seed picks another digit): they are
# quoted from that run alone, not as a median over seeds
CLAIMS = [replace(c, figure=True) if c.name.startswith("E6.opening.") else c for c in CLAIMS]


def _variant(variant: str, label: str) -> list[Claim]:
    """The claims of one variant run of E6 ("E6:cnn", "E6:fashion": `dmm_edu.experiments.variants`): the
    same measurements beside the MLP on the digits, and the same two checks (n and k are those of the
    digits, so the random baseline is too)."""
    def c(name, metric, fmt, description, **kw):
        return claim(f"E6.{variant}.{name}", metric, fmt, f"{label}: {description}", variant=variant, **kw)

    return [
        c("clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "clean test accuracy"),
        *([c("n_attacked", ("pca", "n_attacked"), "{:d}", "correctly classified test images attacked")]
          if variant == "cnn" else []),  # the CNN attacks fewer (its steps cost more); Fashion-MNIST as many as E6
        c("d_free", ("pca", "d_free"), "{:.2f}", "median minimal L2 perturbation d_free (DeepFool)"),
        c("pca.on_delta", ("pca", "on_delta"), "{:.2f}", "global PCA: median on(d_free)", check="> 0.25",
          why=("as for the MLP on the digits: the minimal perturbation must lean towards the manifold more than "
               "chance, its on-fraction above the random sqrt(k/n) = 0.14 by more than 0.1")),
        c("local_pca.on_delta", ("local_pca", "on_delta"), "{:.2f}", "local PCA: median on(d_free)", check="> 0.25",
          why="the same test with the local tangent, so that the result does not hang on one tangent estimate"),
        c("pca.d_on_over_d_free", ("pca", "d_on_over_d_free"), "{:.2f}", "global PCA: d_on / d_free"),
        c("pca.d_off_over_d_free", ("pca", "d_off_over_d_free"), "{:.2f}", "global PCA: d_off / d_free"),
        c("pca.d_off_over_d_on", ("pca", "d_off_over_d_on"), "{:.2f}", "global PCA: d_off / d_on (below 1: the DMM's order)"),
        c("local_pca.d_on_over_d_free", ("local_pca", "d_on_over_d_free"), "{:.2f}", "local PCA: d_on / d_free"),
        c("local_pca.d_off_over_d_free", ("local_pca", "d_off_over_d_free"), "{:.2f}", "local PCA: d_off / d_free"),
        c("random_frame.d_on_over_d_free", ("random_frame", "d_on_over_d_free"), "{:.2f}",
          "random k-frame: d_on / d_free (control; near sqrt(n/k))"),
    ]


CLAIMS += (_variant("cnn", "SmallCNN on the digits") + _variant("fashion", "MLP on Fashion-MNIST")
           + _variant("cnn-fashion", "SmallCNN on Fashion-MNIST"))
