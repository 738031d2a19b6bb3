"""Claims of E8: clinging and dimpling over training in the subspace world (init scales 2.5 and 0.5).

Each reads one metric of the E8 result (`dmm_edu.experiments.e08_cling_dimple_highdim`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Dimpling in high dimension".
Values at epoch 0 are measured at initialisation; the formula sqrt(k / (n - k)) is the random-direction
baseline (E8.baseline_d_off_over_d_on), a different thing: the book quotes them side by side, never one as the other.
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E8.baseline_d_off_over_d_on", ("baseline_d_off_over_d_on",), "{:.2f}",
        "d_off / d_on of a randomly oriented linear boundary: sqrt(k / (n - k))"),
    claim("E8.c2_5.ratio_init", ("c2.5", "d_off_over_d_on"), "{:.2f}",
        "c = 2.5: median d_off / d_on measured at initialisation", ("epochs", 0)),
    claim("E8.c2_5.ratio_epoch1", ("c2.5", "d_off_over_d_on"), "{:.2f}", "c = 2.5: median d_off / d_on after epoch 1",
        ("epochs", 1)),
    claim("E8.c2_5.ratio_epoch20", ("c2.5", "d_off_over_d_on"), "{:.2f}",
        "c = 2.5: median d_off / d_on after epoch 20", ("epochs", 20)),
    claim("E8.c2_5.ratio_max_trained", ("c2.5", "max_d_off_over_d_on_trained"), "{:.2f}",
        "c = 2.5: largest median d_off / d_on over the trained epochs", check="< 0.8",
        why=("the DMM's end state, not its route: at c = 2.5 the normal way stays clearly the shorter one at every "
             "trained epoch, so the largest ratio over epochs, not only a typical one, stays below 0.8 (the ratio "
             "rises from its value at init, so this is no evidence of a clinging phase)")),
    claim("E8.c2_5.accuracy_init", ("c2.5", "test_accuracy"), "{:.0%}",
        "c = 2.5: test accuracy measured at initialisation (the share of points the init ratio is over)", ("epochs", 0)),
    claim("E8.c2_5.accuracy_epoch1", ("c2.5", "test_accuracy"), "{:.1%}", "c = 2.5: test accuracy after epoch 1",
        ("epochs", 1)),
    claim("E8.c2_5.d_off_init", ("c2.5", "d_off"), "{:.2f}", "c = 2.5: median d_off measured at initialisation",
        ("epochs", 0)),
    claim("E8.c2_5.d_on_init", ("c2.5", "d_on"), "{:.2f}", "c = 2.5: median d_on measured at initialisation",
        ("epochs", 0)),
    claim("E8.c2_5.d_off_epoch1", ("c2.5", "d_off"), "{:.2f}", "c = 2.5: median d_off after epoch 1", ("epochs", 1)),
    claim("E8.c2_5.d_off_epoch20", ("c2.5", "d_off"), "{:.2f}", "c = 2.5: median d_off after epoch 20",
        ("epochs", 20)),
    claim("E8.c2_5.d_on_epoch20", ("c2.5", "d_on"), "{:.2f}", "c = 2.5: median d_on after epoch 20", ("epochs", 20)),
    claim("E8.c2_5.on_grad_epoch20", ("c2.5", "on_grad"), "{:.2f}",
        "c = 2.5: median on(grad) after epoch 20", ("epochs", 20)),
    claim("E8.c0_5.ratio_init", ("c0.5", "d_off_over_d_on"), "{:.2f}",
        "c = 0.5: median d_off / d_on measured at initialisation", ("epochs", 0)),
    claim("E8.c0_5.accuracy_epoch10", ("c0.5", "test_accuracy"), "{:.0%}", "c = 0.5: test accuracy after epoch 10",
        ("epochs", 10)),
    claim("E8.c0_5.accuracy_epoch2", ("c0.5", "test_accuracy"), "{:.0%}", "c = 0.5: test accuracy after epoch 2",
        ("epochs", 2)),
    claim("E8.c0_5.ratio_epoch2", ("c0.5", "d_off_over_d_on"), "{:.2f}", "c = 0.5: median d_off / d_on after epoch 2",
        ("epochs", 2)),
    claim("E8.c0_5.ratio_epoch10", ("c0.5", "d_off_over_d_on"), "{:.2f}",
        "c = 0.5: median d_off / d_on after epoch 10", ("epochs", 10)),
    claim("E8.c0_5.ratio_epoch20", ("c0.5", "d_off_over_d_on"), "{:.2f}",
        "c = 0.5: median d_off / d_on after epoch 20", ("epochs", 20)),
    claim("E8.c0_5.on_grad_epoch20", ("c0.5", "on_grad"), "{:.2f}",
        "c = 0.5: median on(grad) after epoch 20", ("epochs", 20)),
]
