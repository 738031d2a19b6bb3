"""Claims of E14: an input-gradient penalty (double backpropagation) swept over lambda, in the subspace world at He
init (c = 1.41), in the same world at the DMM's init scale (c = 2.5) and on the bundled digits.

Each reads one metric of the E14 result (`dmm_edu.experiments.e14_input_gradient_penalty`); when a metric key of
that experiment changes, this list changes with it. The rows are named by their role in the sweep, not by lambda:
"unpenalised" (lambda = 0), "free" (the largest lambda that fits within 1.1x the steps of lambda = 0),
"largest_fitting" (the largest lambda whose train accuracy reaches 95% of lambda = 0's and keeps it) and "largest"
(the sweep's largest lambda). Gradients and distances are medians over correctly classified test points; m is the
margin z_y - max_{j!=y} z_j; P_N and P_T project across and along the manifold. Descriptions avoid the pipe
character: they sit in Markdown table cells. Quoted on the book page "Critiques and open questions" (C10) and in the
claims table of "Adversarial examples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

_C10 = "C10 says capping the input derivatives makes fitting harder; its testable form is 'accuracy falls or training slows', so "
_FREE = ("the subspace world's labels depend only on the coordinates along the manifold, so slope across it is not "
         "needed to fit; a penalty that weighs every direction alike and costs no steps must remove that slope first, ")
_WHERE = {"unpenalised": "at lambda = 0", "free": "at the largest free lambda",
          "largest_fitting": "at the largest fitting lambda"}


def _rows(world: str, label: str, distances: bool, slope_check: bool, cost_decided: bool = True) -> list[Claim]:
    """The claims of one arm; slope_check: whether the margin-slope check is asserted there (it holds at every
    seed in the arms where it is; at c = 2.5 it fails at two seeds of three, and is reported); cost_decided: whether
    the seeds agree on the largest lambda's accuracy cost (at c = 2.5 they do not: at seed 2 that lambda still
    fits, slowly). The d_off growth at the free lambda is not decided in either subspace arm (seed 2: 1.38, 1.40)."""
    out = [
        claim(f"E14.{world}.c", (world, "c"), "{:g}", f"{label}: init scale c of the MLP, W ~ N(0, c^2/fan_in)"),
        claim(f"E14.{world}.free.lambda", (world, "free", "lambda"), "{:g}",
              f"{label}: the largest lambda that fits within 1.1x the steps of lambda = 0"),
        claim(f"E14.{world}.largest_fitting.lambda", (world, "largest_fitting", "lambda"), "{:g}",
              f"{label}: the largest lambda whose train accuracy reaches 95% of lambda = 0's and keeps it"),
        claim(f"E14.{world}.largest.lambda", (world, "largest", "lambda"), "{:g}", f"{label}: the largest lambda of the sweep"),
        claim(f"E14.{world}.unpenalised.test_accuracy", (world, "unpenalised", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at lambda = 0"),
        claim(f"E14.{world}.unpenalised.epochs_to_fit", (world, "unpenalised", "epochs_to_fit"), "{:.1f}",
              f"{label}: epochs to reach 95% of its final train accuracy at lambda = 0"),
        claim(f"E14.{world}.free.test_accuracy", (world, "free", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at the largest free lambda"),
        claim(f"E14.{world}.free.steps_ratio", (world, "free", "steps_ratio"), "{:.2f}",
              f"{label}: steps to fit at the largest free lambda over those at lambda = 0"),
        claim(f"E14.{world}.free.grad_loss_ratio", (world, "free", "grad_loss_ratio"), "{:.2f}",
              f"{label}: median norm of grad_x loss (what the penalty weighs) at the largest free lambda over that at "
              "lambda = 0"),
        claim(f"E14.{world}.largest_fitting.test_accuracy", (world, "largest_fitting", "test_accuracy"), "{:.1%}",
              f"{label}: test accuracy at the largest fitting lambda"),
        claim(f"E14.{world}.largest_fitting.epochs_to_fit", (world, "largest_fitting", "epochs_to_fit"), "{:.1f}",
              f"{label}: epochs to fit at the largest fitting lambda"),
        claim(f"E14.{world}.largest_fitting.steps_ratio", (world, "largest_fitting", "steps_ratio"), "{:.1f}",
              f"{label}: steps to fit at the largest fitting lambda over those at lambda = 0 (reported, not checked: "
              "that lambda is picked because the next one of the grid does not fit)"),
        claim(f"E14.{world}.largest.train_accuracy", (world, "largest", "train_accuracy"), "{:.1%}",
              f"{label}: final train accuracy at the largest lambda"),
        claim(f"E14.{world}.largest.train_accuracy_drop", (world, "largest", "train_accuracy_drop"), "{:.2f}",
              f"{label}: final train accuracy at lambda = 0 minus that at the largest lambda", check=">= 0.05",
              why=_C10 + "a dominating penalty should cost at least 5 points of train accuracy", decided=cost_decided),
    ]
    # the margin's slope, its parts across (P_N) and along (P_T) the manifold, and its share along it
    for role in ("unpenalised", "free", "largest_fitting"):
        out += [
            claim(f"E14.{world}.{role}.on_grad", (world, role, "on_grad"), "{:.2f}",
                  f"{label}: on(grad m), the share of the margin's slope along the manifold, {_WHERE[role]}"),
            claim(f"E14.{world}.{role}.grad_margin_normal", (world, role, "grad_margin_normal"), "{:.2g}",
                  f"{label}: median norm of P_N grad m, the margin's slope across the manifold, {_WHERE[role]}"),
        ]
    for role in ("free", "largest_fitting"):
        out += [
            claim(f"E14.{world}.{role}.grad_margin_normal_ratio", (world, role, "grad_margin_normal_ratio"), "{:.2f}",
                  f"{label}: median norm of P_N grad m {_WHERE[role]} over that at lambda = 0"),
            claim(f"E14.{world}.{role}.grad_margin_tangent_ratio", (world, role, "grad_margin_tangent_ratio"), "{:.2f}",
                  f"{label}: median norm of P_T grad m {_WHERE[role]} over that at lambda = 0"),
        ]
    slope = dict(check="< 0.5", why=("the sweep tests C10 only if the penalty caps the slope: where it binds, the "
                                     "margin's input gradient should fall to less than half of the unpenalised one")
                 ) if slope_check else {}
    out.append(claim(f"E14.{world}.largest_fitting.grad_margin_ratio", (world, "largest_fitting", "grad_margin_ratio"),
                     "{:.2f}", f"{label}: median norm of grad m at the largest fitting lambda over that at lambda = 0"
                     + ("" if slope_check else " (reported: below 0.5 is the check in the other arms)"), **slope))
    if distances:
        out += [
            claim(f"E14.{world}.{role}.{d}", (world, role, d), "{:.2f}", f"{label}: median DeepFool {d} {_WHERE[role]}")
            for role in ("unpenalised", "free") for d in ("d_free", "d_on", "d_off")
        ] + [
            claim(f"E14.{world}.largest_fitting.{d}", (world, "largest_fitting", d), "{:.2f}",
                  f"{label}: median DeepFool {d} at the largest fitting lambda") for d in ("d_free", "d_off")
        ] + [
            claim(f"E14.{world}.{role}.d_off_over_d_on", (world, role, "d_off_over_d_on"), "{:.2f}",
                  f"{label}: median d_off over median d_on {_WHERE[role]} (below 1: the boundary clings to the "
                  "manifold)") for role in ("unpenalised", "free")
        ] + [
            claim(f"E14.{world}.free.on_grad_change", (world, "free", "on_grad_change"), "{:.2f}",
                  f"{label}: on(grad m) at the largest free lambda minus on(grad m) at lambda = 0", check=">= 0.05",
                  why=_FREE + "so the share of the margin's slope along the manifold should rise, by 0.05 at least"),
            claim(f"E14.{world}.free.d_off_ratio", (world, "free", "d_off_ratio"), "{:.2f}",
                  f"{label}: median d_off at the largest free lambda over that at lambda = 0", check=">= 1.5",
                  why=_FREE + "so the way across the manifold to the boundary should lengthen clearly, 1.5x at least",
                  decided=False),
        ]
    return out


CLAIMS: list[Claim] = [
    claim("E14.fit_fraction", ("fit_fraction",), "{:.0%}",
          "a run fits when its train accuracy reaches this share of the lambda = 0 run's final one and keeps it"),
    *_rows("subspace", "subspace world, c = 1.41", True, True),
    *_rows("subspace_large_c", "subspace world, c = 2.5", True, False, cost_decided=False),
    *_rows("digits", "digits", False, True)]
