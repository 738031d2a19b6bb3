"""Claims of E14: an input-gradient penalty (double backpropagation) swept over λ, in the subspace world and
on the bundled digits.

Each reads one metric of the E14 result (`dmm_edu.experiments.e14_input_gradient_penalty`); when a metric key of
that experiment changes, this list changes with it. The rows are named by their role in the sweep, not by λ:
"unpenalised" (λ = 0), "free" (the largest λ that fits within 1.1x the steps of λ = 0), "largest_fitting" (the
largest λ whose train accuracy reaches 95% of λ = 0's and keeps it) and "largest" (the sweep's largest λ).
Gradients and distances are medians over correctly classified test points; m is the margin z_y - max_{j!=y} z_j.
Quoted on the book page "Critiques and open questions" (C10) and in the claims table of "Adversarial examples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

_C10 = "C10 says capping the input derivatives makes fitting harder; its testable form is 'accuracy falls or training slows', so "
_SLOW = ("at the largest lambda that still fits, a larger lambda of the sweep does not, so the cap binds there; "
         "C10 predicts fitting is clearly slower there: at least 1.5x the steps of lambda = 0 (a regulariser near the "
         "point where it stops fitting slows any network, so this is the weak form)")
_FREE = ("the subspace world's labels depend only on the coordinates along the manifold, so slope across it is not "
         "needed to fit; a penalty that weighs every direction alike and costs no steps must remove that slope first, ")


def _rows(world: str, label: str, distances: bool) -> list[Claim]:
    out = [
        claim(f"E14.{world}.free.lambda", (world, "free", "lambda"), "{:g}",
              f"{label}: the largest lambda that fits within 1.1x the steps of lambda = 0"),
        claim(f"E14.{world}.largest_fitting.lambda", (world, "largest_fitting", "lambda"), "{:g}",
              f"{label}: the largest lambda whose train accuracy reaches 95% of lambda = 0's and keeps it"),
        claim(f"E14.{world}.largest.lambda", (world, "largest", "lambda"), "{:g}", f"{label}: the largest lambda of the sweep"),
        claim(f"E14.{world}.unpenalised.test_accuracy", (world, "unpenalised", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at lambda = 0"),
        claim(f"E14.{world}.unpenalised.epochs_to_fit", (world, "unpenalised", "epochs_to_fit"), "{:.1f}",
              f"{label}: epochs to reach 95% of its final train accuracy at lambda = 0"),
        claim(f"E14.{world}.unpenalised.on_grad", (world, "unpenalised", "on_grad"), "{:.2f}",
              f"{label}: on(grad m) at lambda = 0"),
        claim(f"E14.{world}.free.test_accuracy", (world, "free", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at the largest free lambda"),
        claim(f"E14.{world}.free.steps_ratio", (world, "free", "steps_ratio"), "{:.2f}",
              f"{label}: steps to fit at the largest free lambda over those at lambda = 0"),
        claim(f"E14.{world}.free.on_grad", (world, "free", "on_grad"), "{:.2f}", f"{label}: on(grad m) at the largest free lambda"),
        claim(f"E14.{world}.largest_fitting.test_accuracy", (world, "largest_fitting", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at the largest fitting lambda"),
        claim(f"E14.{world}.largest_fitting.epochs_to_fit", (world, "largest_fitting", "epochs_to_fit"), "{:.1f}",
              f"{label}: epochs to fit at the largest fitting lambda"),
        claim(f"E14.{world}.largest_fitting.steps_ratio", (world, "largest_fitting", "steps_ratio"), "{:.1f}",
              f"{label}: steps to fit at the largest fitting lambda over those at lambda = 0", check=">= 1.5",
              why=_C10 + _SLOW),
        claim(f"E14.{world}.largest_fitting.grad_margin_ratio", (world, "largest_fitting", "grad_margin_ratio"), "{:.2f}",
              f"{label}: |grad m| at the largest fitting lambda over |grad m| at lambda = 0", check="< 0.5",
              why=("the sweep tests C10 only if the penalty caps the slope: where it binds, the margin's input "
                   "gradient should fall to less than half of the unpenalised one")),
        claim(f"E14.{world}.largest_fitting.on_grad", (world, "largest_fitting", "on_grad"), "{:.2f}",
              f"{label}: on(grad m) at the largest fitting lambda"),
        claim(f"E14.{world}.largest.train_accuracy", (world, "largest", "train_accuracy"), "{:.1%}",
              f"{label}: final train accuracy at the largest lambda"),
        claim(f"E14.{world}.largest.train_accuracy_drop", (world, "largest", "train_accuracy_drop"), "{:.2f}",
              f"{label}: final train accuracy at lambda = 0 minus that at the largest lambda", check=">= 0.05",
              why=_C10 + "a dominating penalty should cost at least 5 points of train accuracy"),
    ]
    if distances:
        out += [
            claim(f"E14.{world}.unpenalised.{d}", (world, "unpenalised", d), "{:.2f}",
                  f"{label}: median DeepFool {d} at lambda = 0") for d in ("d_free", "d_on", "d_off")
        ] + [
            claim(f"E14.{world}.free.{d}", (world, "free", d), "{:.2f}",
                  f"{label}: median DeepFool {d} at the largest free lambda") for d in ("d_free", "d_on", "d_off")
        ] + [
            claim(f"E14.{world}.largest_fitting.{d}", (world, "largest_fitting", d), "{:.2f}",
                  f"{label}: median DeepFool {d} at the largest fitting lambda") for d in ("d_free", "d_off")
        ] + [
            claim(f"E14.{world}.free.on_grad_change", (world, "free", "on_grad_change"), "{:.2f}",
                  f"{label}: on(grad m) at the largest free lambda minus on(grad m) at lambda = 0", check=">= 0.05",
                  why=_FREE + "so the share of the margin's slope along the manifold should rise, by 0.05 at least"),
            claim(f"E14.{world}.free.d_off_ratio", (world, "free", "d_off_ratio"), "{:.2f}",
                  f"{label}: median d_off at the largest free lambda over that at lambda = 0", check=">= 1.5",
                  why=_FREE + "so the way across the manifold to the boundary should lengthen clearly, 1.5x at least"),
        ]
    return out


CLAIMS: list[Claim] = [
    claim("E14.fit_fraction", ("fit_fraction",), "{:.0%}",
          "a run fits when its train accuracy reaches this share of the lambda = 0 run's final one and keeps it"),
    *_rows("subspace", "subspace world", True), *_rows("digits", "digits", False)]
