"""Claims of E8i: clinging over training on the bundled digits, PCA tangent (k = 16).

Each reads one metric of the E8i result (`dmm_edu.experiments.e08i_cling_images`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Dimpling in high dimension".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E8i.ratio_init", ("d_off_over_d_on",), "{:.2f}",
        "digits: median d_off / d_on measured at initialisation", ("epochs", 0)),
    claim("E8i.n_measured_init", ("n_measured",), "{:d}",
        "digits: fixed test digits the untrained network classifies correctly (the init medians are over these)",
        ("epochs", 0)),
    claim("E8i.n_fixed_points", ("n_fixed_points",), "{:d}", "digits: fixed test digits measured after every epoch"),
    claim("E8i.baseline_d_off_over_d_on", ("baseline_d_off_over_d_on",), "{:.2f}",
        "digits: sqrt(k / (n - k)), the random-direction baseline of d_off / d_on"),
    claim("E8i.ratio_epoch1", ("d_off_over_d_on",), "{:.2f}", "digits: median d_off / d_on after epoch 1",
        ("epochs", 1)),
    claim("E8i.ratio_epoch2", ("d_off_over_d_on",), "{:.2f}", "digits: median d_off / d_on after epoch 2",
        ("epochs", 2)),
    claim("E8i.d_off_epoch1", ("d_off",), "{:.2f}", "digits: median d_off after epoch 1", ("epochs", 1)),
    claim("E8i.d_on_epoch1", ("d_on",), "{:.2f}", "digits: median d_on after epoch 1", ("epochs", 1)),
    claim("E8i.d_off_final", ("final", "d_off"), "{:.2f}", "digits: median d_off after the last epoch"),
    claim("E8i.d_on_final", ("final", "d_on"), "{:.2f}", "digits: median d_on after the last epoch"),
    claim("E8i.ratio_final", ("final", "d_off_over_d_on"), "{:.2f}",
        "digits: median d_off / d_on after the last epoch"),
    claim("E8i.on_delta_init", ("on_delta",), "{:.2f}",
        "digits: median on(delta_free) measured at initialisation", ("epochs", 0)),
    claim("E8i.on_delta_epoch1", ("on_delta",), "{:.2f}", "digits: median on(delta_free) after epoch 1", ("epochs", 1)),
    claim("E8i.baseline_on", ("baseline_on",), "{:.2f}", "digits: sqrt(k/n), the random-direction baseline of on(v)"),
    claim("E8i.baseline_d_on_over_d_free", ("baseline_d_on_over_d_free",), "{:.1f}",
        "digits: sqrt(n/k), the random-direction baseline of d_on / d_free"),
    claim("E8i.accuracy_epoch1", ("test_accuracy",), "{:.0%}", "digits: test accuracy after epoch 1", ("epochs", 1)),
    claim("E8i.final_accuracy", ("final", "test_accuracy"), "{:.1%}", "digits: test accuracy after the last epoch"),
    claim("E8i.d_free_init", ("d_free",), "{:.2f}",
        "digits: median d_free measured at initialisation", ("epochs", 0)),
    claim("E8i.d_free_final", ("final", "d_free"), "{:.2f}", "digits: median d_free after the last epoch"),
    claim("E8i.d_on_over_d_free_final", ("final", "d_on_over_d_free"), "{:.2f}",
        "digits: median d_on / d_free after the last epoch"),
]
