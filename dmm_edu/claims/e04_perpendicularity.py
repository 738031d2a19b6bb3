"""Claims of E4: perpendicularity of the trained gradient vs init scale.

Each reads one metric of the E4 result (`dmm_edu.experiments.e04_perpendicularity`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Why perturbations are tiny and look like noise".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E4.baseline_on", ("baseline_on",), "{:.2f}", "sqrt(k/n) of the subspace world"),
    claim("E4.c0_5.on_grad", ("c0.5", "on_grad"), "{:.2f}", "init scale 0.5: median on(grad) after training"),
    claim("E4.c1_41.on_grad", ("c1.41", "on_grad"), "{:.2f}", "init scale 1.41: median on(grad) after training"),
    claim("E4.c2_5.on_grad", ("c2.5", "on_grad"), "{:.2f}", "init scale 2.5: median on(grad) after training",
        check="> 0.45",
        why=("the testable form of C4 in the subspace world: training turns the gradient towards the data at every"
             " init scale, so even the most perpendicular case (c = 2.5) keeps on(grad) above twice the random "
             "sqrt(k/n) = 0.22")),
    claim("E4.c0_5.on_grad_init", ("c0.5", "on_grad_init"), "{:.2f}", "init scale 0.5: median on(grad) at init"),
    claim("E4.c1_41.on_grad_init", ("c1.41", "on_grad_init"), "{:.2f}", "init scale 1.41: median on(grad) at init"),
    claim("E4.c2_5.on_grad_init", ("c2.5", "on_grad_init"), "{:.2f}", "init scale 2.5: median on(grad) at init"),
    claim("E4.c2_5.test_accuracy", ("c2.5", "test_accuracy"), "{:.0%}", "init scale 2.5: clean test accuracy"),
]
