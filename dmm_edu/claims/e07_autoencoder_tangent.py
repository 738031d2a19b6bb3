"""Claims of E7: the paper's protocol: autoencoder decoder-Jacobian tangent; DeepFool and early-stopped PGD.

Each reads one metric of the E7 result (`dmm_edu.experiments.e07_autoencoder_tangent`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "On- vs off-manifold perturbations".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E7.clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "MLP test accuracy on the bundled digits"),
    claim("E7.k", ("k",), "{:d}", "the autoencoder's latent size, i.e. the tangent dimension k of E7"),
    claim("E7.ae_test_mse", ("ae_test_mse",), "{:.4f}", "autoencoder test reconstruction MSE per pixel"),
    claim("E7.ae.on_delta", ("ae", "on_delta"), "{:.2f}", "autoencoder tangent: median on(d_free)"),
    claim("E7.ae.d_on_over_d_free", ("ae", "d_on_over_d_free"), "{:.2f}", "autoencoder tangent, DeepFool: d_on / d_free"),
    claim("E7.ae.d_off_over_d_free", ("ae", "d_off_over_d_free"), "{:.2f}",
        "autoencoder tangent, DeepFool: d_off / d_free"),
    claim("E7.pgd.d_on_over_d_free", ("pgd", "d_on_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_on / d_free",
        check="> 1.2",
        why=("C7: an attack kept on the manifold must travel clearly further than a free one (by 20 % or more), "
             "the ordering the paper and Karner report")),
    claim("E7.pgd.d_off_over_d_free", ("pgd", "d_off_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_off / d_free",
        check="< 1.5",
        why=("C7: an attack kept off the manifold is almost as short as a free one, d_off close to d_free; 1.5 "
             "leaves room for PGD's step quantisation but not for an ordering like d_on's")),
    claim("E7.pgd.d_free", ("pgd", "d_free"), "{:.2f}", "autoencoder tangent, PGD: median d_free"),
    claim("E7.ae.d_free", ("ae", "d_free"), "{:.2f}", "DeepFool: median d_free"),
    claim("E7.random_frame.d_on_over_d_free", ("random_frame", "d_on_over_d_free"), "{:.2f}",
        "random k-frame, DeepFool: d_on / d_free (control)"),
]


def _variant(variant: str, label: str) -> list[Claim]:
    """The claims of one variant run of E7 ("E7:fashion", "E7:cnn", "E7:cnn-fashion":
    `dmm_edu.experiments.variants`): the same protocol, and C7's two checks with the digits' thresholds."""
    def c(name, metric, fmt, description, **kw):
        return claim(f"E7.{variant}.{name}", metric, fmt, f"{label}: {description}", variant=variant, **kw)

    own_network = [  # a CNN variant's network is E6's of the same variant (the same draws: `experiments._trained`),
        # and its autoencoder the same recipe as with the MLP: the chapter quotes these for Fashion-MNIST only
        c("clean_accuracy", ("clean_test_accuracy",), "{:.1%}", "clean test accuracy"),
        c("ae_test_mse", ("ae_test_mse",), "{:.4f}", "autoencoder test reconstruction MSE per pixel"),
    ] if variant == "fashion" else []
    return [
        *own_network,
        c("ae.on_delta", ("ae", "on_delta"), "{:.2f}", "autoencoder tangent, median on(d_free)"),
        c("pgd.d_on_over_d_free", ("pgd", "d_on_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_on / d_free",
          check="> 1.2",
          why="C7 as on the digits with the MLP: an attack kept on the manifold must travel clearly further than a free one"),
        c("pgd.d_off_over_d_free", ("pgd", "d_off_over_d_free"), "{:.2f}", "autoencoder tangent, PGD: d_off / d_free",
          check="< 1.5",
          why="C7 as on the digits with the MLP: an attack kept off the manifold is almost as short as a free one"),
    ]


CLAIMS += (_variant("fashion", "MLP on Fashion-MNIST") + _variant("cnn", "SmallCNN on the digits")
           + _variant("cnn-fashion", "SmallCNN on Fashion-MNIST"))
