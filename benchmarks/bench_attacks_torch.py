"""Time dmm_edu's attacks against torchattacks 3.5.1 on the same model and inputs, as ratios.

Cases (an MNIST-shaped MLP 784-256-256-10 with ReLU and random weights, float32, images
(N, 1, 28, 28) uniform in [0, 1], labels = the model's predictions):

- torch-track PGD L∞ and PGD-L2 vs torchattacks.PGD / PGDL2, same eps, alpha, steps, no random
  start, box [0, 1]: the function `pgd` (an AttackResult: one more forward pass decides success)
  and the class call `PGD(...)(x, y)` (images only, like torchattacks)  goal ratio <= 1.0
- numpy-track PGD (the same weights as a dmm_edu.numpy_nn.MLP) vs the same torchattacks runs
                                                                            goal ratio <= 1.2
- batched torch-track DeepFool vs torchattacks.DeepFool (which loops over samples), smaller
  batch                                                                     goal ratio <= 0.1

A correctness gate runs before any timing: in float64 every PGD run must give torchattacks' x_adv
to 1e-5 (the rounding of two ways to write the same steps); in float32, where a gradient
coordinate near 0 can change sign between two implementations and move that pixel by alpha, 95 %
of the samples must; the DeepFool runs must fool the same samples with L2 norms within 5 %
(median) of each other — the two DeepFools differ in details (torchattacks applies the overshoot
and the [0, 1] clip at every step and omits the 10⁻⁴ push). A failed gate exits 1 without
timing. Timing: one thread; a warm-up; then rounds that each time a block of calls of every
implementation back to back, in an order that rotates between rounds; the figure is the median
over rounds of the paired ratio ours/torchattacks (< 1: ours is faster). Writes
benchmarks/results/attacks_torch.json. Needs torchattacks (see benchmarks/README.md; exits 2 with
the install command if it is missing).

    python benchmarks/bench_attacks_torch.py [--rounds 15] [--calls 3] [--batch 256] [--df-batch 32]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from common import make_pair, write_record  # isort: skip  (first: pins BLAS to one thread before numpy loads)

import numpy as np
import torch

from dmm_edu.attacks import pgd as numpy_pgd
from dmm_edu.attacks.torch_track import PGD, PGDL2, deepfool, pgd
from dmm_edu.torch_nn.convert import from_numpy_mlp

RESULTS = Path(__file__).parent / "results" / "attacks_torch.json"
SIZES = [784, 256, 256, 10]
SHAPE = (1, 28, 28)
PGD_SETTINGS = {"linf": {"eps": 8 / 255, "alpha": 2 / 255, "steps": 10},  # torchattacks.PGD defaults
                "l2": {"eps": 1.0, "alpha": 0.2, "steps": 10}}  # torchattacks.PGDL2 defaults
DF_STEPS, DF_OVERSHOOT = 50, 0.02  # torchattacks.DeepFool defaults
GOALS = {"torch_pgd": 1.0, "torch_pgd_class": 1.0, "numpy_pgd": 1.2, "torch_deepfool": 0.1}
INSTALL = ("torchattacks is not installed. Install it beside the pinned torch, in the benchmark environment only "
           "(it declares torchvision, which it does not need for these attacks):\n"
           "    python3 -m venv /tmp/benchvenv\n"
           "    /tmp/benchvenv/bin/pip install -c constraints.txt torch numpy click platformdirs scipy tqdm\n"
           "    /tmp/benchvenv/bin/pip install --no-deps torchattacks==3.5.1\n"
           "    /tmp/benchvenv/bin/pip install --no-deps -e .\n"
           "then run this script with /tmp/benchvenv/bin/python (see benchmarks/README.md)")


def timed(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        out = fn()
    return time.perf_counter() - t0, out


def paired_ratio(ours, theirs, rounds, calls, theirs_plus=None):
    """Warm-up, then `rounds` rounds timing `calls` calls of each function back to back (the
    order rotates between rounds); the median over rounds of the paired ratio ours/theirs, and
    the times. `theirs_plus`, if given, is timed too (torchattacks plus the forward pass that
    tells which samples succeeded, which our attacks return): ratio_vs_torchattacks_plus_success."""
    fns = {"ours": ours, "theirs": theirs} if theirs_plus is None else \
        {"ours": ours, "theirs": theirs, "plus": theirs_plus}
    for fn in fns.values():
        timed(fn, 1)
    times = {k: [] for k in fns}
    names = list(fns)
    for r in range(rounds):
        for k in names[r % len(names):] + names[: r % len(names)]:
            times[k].append(timed(fns[k], calls)[0] / calls)
    t = {k: np.array(v) for k, v in times.items()}
    res = {"ours_ms": 1e3 * float(np.median(t["ours"])), "torchattacks_ms": 1e3 * float(np.median(t["theirs"])),
           "ratio_ours_over_torchattacks": float(np.median(t["ours"] / t["theirs"])),
           "ratio_quartiles": [float(q) for q in np.percentile(t["ours"] / t["theirs"], [25, 75])]}
    if theirs_plus is not None:
        res["ratio_vs_torchattacks_plus_success"] = float(np.median(t["ours"] / t["plus"]))
    return res


def gate_fail(name, message):
    print(f"correctness gate failed for {name}: {message}; not timing", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--df-batch", type=int, default=32)
    parser.add_argument("--df-rounds", type=int, default=9)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    try:
        import torchattacks
    except ImportError:
        print(INSTALL, file=sys.stderr)
        sys.exit(2)

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None

    def setup(dtype):
        rng = np.random.default_rng(0)  # the same weights and images in both dtypes
        net, _ = make_pair(SIZES, dtype, rng)  # numpy MLP, random weights (c = 1.41, ReLU)
        model = from_numpy_mlp(net, flatten=True)  # the same weights, taking images (N, 1, 28, 28)
        x = torch.from_numpy(rng.uniform(0, 1, size=(args.batch, *SHAPE)).astype(dtype))  # (B, 1, 28, 28)
        with torch.no_grad():
            y = model(x).argmax(1)  # (B,) attack the model's own predictions
        return net, model, x, y

    def runs(net, model, x, y, norm, s):
        """({name: our run}, theirs, theirs_plus): PGD runs as functions returning x_adv (B, 1, 28, 28)."""
        cls = torchattacks.PGD if norm == "linf" else torchattacks.PGDL2
        ta = cls(model, eps=s["eps"], alpha=s["alpha"], steps=s["steps"], random_start=False)
        ours_cls = (PGD if norm == "linf" else PGDL2)(model, eps=s["eps"], alpha=s["alpha"], steps=s["steps"],
                                                       random_start=False)
        x_np, y_np = x.reshape(x.shape[0], -1).numpy(), y.numpy()  # (B, 784), (B,)
        ours = {
            # the function: an AttackResult, so one more forward pass decides success
            "torch_pgd": lambda: pgd(model, x, y, s["eps"], alpha=s["alpha"], steps=s["steps"], norm=norm,
                                     bounds=(0.0, 1.0)).x_adv,
            # the torchattacks-style class call: images only, like torchattacks
            "torch_pgd_class": lambda: ours_cls(x, y),
            "numpy_pgd": lambda: torch.from_numpy(numpy_pgd(
                net, x_np, y_np, s["eps"], alpha=s["alpha"], steps=s["steps"], norm=norm, bounds=(0.0, 1.0)).x_adv
            ).reshape(x.shape),
        }

        def plus():  # torchattacks, then the forward pass that tells which samples it fooled
            adv = ta(x, y)
            with torch.no_grad():
                return adv, model(adv).argmax(1) != y

        return ours, lambda: ta(x, y), plus

    # the gate, in float64: the same steps written two ways agree to rounding (1e-5)
    for norm, s in PGD_SETTINGS.items():
        ours, theirs, _ = runs(*setup(np.float64), norm, s)
        ref = theirs()
        for name, fn in ours.items():
            diff = float((fn() - ref).abs().max())
            if not diff <= 1e-5:
                gate_fail(f"{name} {norm} (float64)", f"max |x_adv - torchattacks x_adv| = {diff:.2e} > 1e-5")

    # the timing, in float32, where a gradient coordinate near 0 may change sign between two
    # implementations and move that coordinate by alpha: require 95 % of the samples within 1e-5
    net, model, x, y = setup(np.float32)
    results = []
    for norm, s in PGD_SETTINGS.items():
        ours, theirs, plus = runs(net, model, x, y, norm, s)
        ref = theirs()
        for name, fn in ours.items():
            diff = (fn() - ref).abs().flatten(1).amax(1)  # (B,) per sample
            close = float((diff <= 1e-5).float().mean())
            if not close >= 0.95:
                gate_fail(f"{name} {norm}", f"only {close:.1%} of the samples within 1e-5 of torchattacks' x_adv")
            res = {"case": f"{name}_{norm}", "batch": args.batch, **s, "samples_within_1e-5": close,
                   "max_abs_diff_x_adv": float(diff.max()),
                   **paired_ratio(fn, theirs, args.rounds, args.calls, plus), "goal_ratio": GOALS[name]}
            res["meets_goal"] = res["ratio_ours_over_torchattacks"] <= GOALS[name]
            results.append(res)

    xd, yd = x[: args.df_batch], y[: args.df_batch]
    ta_df = torchattacks.DeepFool(model, steps=DF_STEPS, overshoot=DF_OVERSHOOT)
    ours = lambda: deepfool(model, xd, yd, steps=DF_STEPS, overshoot=DF_OVERSHOOT, bounds=(0.0, 1.0))  # noqa: E731
    theirs = lambda: ta_df(xd, yd)  # noqa: E731
    a, b = ours(), theirs()
    with torch.no_grad():
        b_success = model(b).argmax(1) != yd
    b_norm = (b - xd).flatten(1).norm(dim=1)
    if not torch.equal(a.success, b_success):
        gate_fail("deepfool", f"fooled {int(a.success.sum())} vs {int(b_success.sum())} samples, not the same ones")
    both = a.success & b_success
    rel = (a.norm[both] / b_norm[both] - 1).abs()  # relative norm difference on the fooled samples
    if not float(rel.median()) <= 0.05:
        gate_fail("deepfool", f"median relative L2-norm difference {float(rel.median()):.3f} > 0.05")
    res = {"case": "torch_deepfool", "batch": args.df_batch, "steps": DF_STEPS, "overshoot": DF_OVERSHOOT,
           "success_rate": float(a.success.float().mean()),
           "median_rel_norm_diff": float(rel.median()), "max_rel_norm_diff": float(rel.max()),
           "iterations_max": int(a.steps.max()),
           **paired_ratio(lambda: ours().x_adv, theirs, args.df_rounds, args.calls),
           "goal_ratio": GOALS["torch_deepfool"]}
    res["meets_goal"] = res["ratio_ours_over_torchattacks"] <= GOALS["torch_deepfool"]
    results.append(res)

    print(f"{'case':21s} {'batch':>5s} {'ours ms':>9s} {'ta ms':>9s} {'ratio':>6s} {'goal':>5s} {'+succ':>6s}  gate")
    for r in results:
        gate = (f"{r['samples_within_1e-5']:.1%} samples within 1e-5" if "samples_within_1e-5" in r
                else f"same successes, median |Δ‖δ‖|/‖δ‖ {r['median_rel_norm_diff']:.1e}")
        print(f"{r['case']:21s} {r['batch']:5d} {r['ours_ms']:9.2f} {r['torchattacks_ms']:9.2f} "
              f"{r['ratio_ours_over_torchattacks']:6.3f} {'≤' + str(r['goal_ratio']):>5s} "
              f"{r.get('ratio_vs_torchattacks_plus_success', float('nan')):6.3f}  {gate}"
              f"{'' if r['meets_goal'] else '  (goal missed)'}")
    record = {
        "benchmark": "dmm_edu torch- and numpy-track PGD and DeepFool vs torchattacks, single thread",
        "baseline": f"torchattacks {torchattacks.__version__} (installed with --no-deps)",
        "model": {"sizes": SIZES, "activation": "relu", "init_c": 1.41, "weights": "random", "dtype": "float32",
                  "input_shape": list(SHAPE)},
        "rounds": args.rounds, "calls_per_round": args.calls, "deepfool_rounds": args.df_rounds,
        "load_average_1min": {"before": load_before,  # other work on the machine widens the quartiles
                              "after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
        "results": results,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
