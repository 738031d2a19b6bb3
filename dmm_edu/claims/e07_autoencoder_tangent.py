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

# the variant "E7:fashion" (`dmm_edu.experiments.variants`): the same protocol, the MLP on the bundled Fashion-MNIST
_FASHION = "MLP on Fashion-MNIST"
CLAIMS += [
    claim("E7.fashion.clean_accuracy", ("clean_test_accuracy",), "{:.1%}", f"{_FASHION}: clean test accuracy",
          variant="fashion"),
    claim("E7.fashion.ae_test_mse", ("ae_test_mse",), "{:.4f}",
          f"{_FASHION}: autoencoder test reconstruction MSE per pixel", variant="fashion"),
    claim("E7.fashion.ae.on_delta", ("ae", "on_delta"), "{:.2f}", f"{_FASHION}: autoencoder tangent, median on(d_free)",
          variant="fashion"),
    claim("E7.fashion.pgd.d_on_over_d_free", ("pgd", "d_on_over_d_free"), "{:.2f}",
          f"{_FASHION}: autoencoder tangent, PGD: d_on / d_free", variant="fashion", check="> 1.2",
          why="C7 as on the digits: an attack kept on the manifold must travel clearly further than a free one"),
    claim("E7.fashion.pgd.d_off_over_d_free", ("pgd", "d_off_over_d_free"), "{:.2f}",
          f"{_FASHION}: autoencoder tangent, PGD: d_off / d_free", variant="fashion", check="< 1.5",
          why="C7 as on the digits: an attack kept off the manifold is almost as short as a free one"),
]
