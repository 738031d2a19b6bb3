"""Time dmm_edu's attacks against torchattacks 3.5.1 on the same model and inputs, as ratios.

Cases (an MNIST-shaped MLP 784-256-256-10 with ReLU and random weights, float32, images
(N, 1, 28, 28) uniform in [0, 1], labels = the model's predictions):

- torch-track PGD L∞ and PGD-L2 vs torchattacks.PGD / PGDL2, same eps, alpha, steps, no random
  start, box [0, 1]: the function `pgd` (an AttackResult: one more forward pass decides success)
  and the class call `PGD(...)(x, y)` (images only, like torchattacks)  goal ratio <= 0.95
- numpy-track PGD (the same weights as a dmm_edu.numpy_nn.MLP) vs the same torchattacks runs
                                                                            goal ratio <= 1.2
- a CNN (dmm_edu.torch_nn.SmallCNN, random weights from a seeded generator) on 512 real digits
  (the bundled MNIST test split, dmm_edu.data "mnist-bundled", in [0, 1]): torch-track PGD L∞,
  20 steps, the function and the class call vs torchattacks.PGD          goal ratio <= 0.95
- batched torch-track DeepFool vs torchattacks.DeepFool (which loops over samples), smaller
  batch                                                                     goal ratio <= 0.1

A correctness gate runs before any timing: in float64 every PGD run must give torchattacks' x_adv
to 1e-5 (the rounding of two ways to write the same steps; the CNN on its first --cnn-gate-batch
images); in float32, where a gradient
coordinate near 0 can change sign between two implementations and move that pixel by alpha, 95 %
of the samples must; the DeepFool runs must fool the same samples with L2 norms within 5 %
(median) of each other — the two DeepFools differ in details (torchattacks applies the overshoot
and the [0, 1] clip at every step and omits the 10⁻⁴ push). A failed gate exits 1 without
timing. Timing: one thread; a warm-up; then rounds that each time a block of calls of every
implementation back to back, in an order that rotates between rounds; the figure is the median
over rounds of the paired ratio ours/torchattacks (< 1: ours is faster), in wall-clock time and
in the process's CPU time (cpu_ratio_*, which other processes' load on a shared machine moves
less: the attacks run on one thread, so the two agree on an idle machine). Writes
benchmarks/results/attacks_torch.json. Needs torchattacks (see benchmarks/README.md; exits 2 with
the install command if it is missing).

    python benchmarks/bench_attacks_torch.py [--rounds 15] [--calls 3] [--batch 256] [--df-batch 32]
                                             [--cnn-batch 512] [--cnn-rounds 3] [--cnn-gate-batch 16]
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
from dmm_edu.data import load_dataset
from dmm_edu.torch_nn.convert import from_numpy_mlp
from dmm_edu.torch_nn.models import SmallCNN

RESULTS = Path(__file__).parent / "results" / "attacks_torch.json"
SIZES = [784, 256, 256, 10]
SHAPE = (1, 28, 28)
PGD_SETTINGS = {"linf": {"eps": 8 / 255, "alpha": 2 / 255, "steps": 10},  # torchattacks.PGD defaults
                "l2": {"eps": 1.0, "alpha": 0.2, "steps": 10}}  # torchattacks.PGDL2 defaults
CNN_SETTINGS = {"eps": 8 / 255, "alpha": 2 / 255, "steps": 20}  # L∞, torchattacks' eps and alpha, 20 steps
DF_STEPS, DF_OVERSHOOT = 50, 0.02  # torchattacks.DeepFool defaults
GOALS = {"torch_pgd": 0.95, "torch_pgd_class": 0.95, "numpy_pgd": 1.2, "torch_deepfool": 0.1}
INSTALL = ("torchattacks is not installed. Install it beside the pinned torch, in the benchmark environment only "
           "(it declares torchvision, which it does not need for these attacks):\n"
           "    python3 -m venv /tmp/benchvenv\n"
           "    /tmp/benchvenv/bin/pip install -c constraints.txt torch numpy click platformdirs scipy tqdm\n"
           "    /tmp/benchvenv/bin/pip install --no-deps torchattacks==3.5.1\n"
           "    /tmp/benchvenv/bin/pip install --no-deps -e .\n"
           "then run this script with /tmp/benchvenv/bin/python (see benchmarks/README.md)")


def timed(fn, calls):
    """(wall seconds, CPU seconds of this process) for `calls` calls of fn."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return time.perf_counter() - t0, time.process_time() - c0


def paired_ratio(ours, theirs, rounds, calls, theirs_plus=None, warm_up=True):
    """Warm-up (skipped with warm_up=False, where the gate has just run every function), then
    `rounds` rounds timing `calls` calls of each function back to back (the order rotates between
    rounds); the median over rounds of the paired ratio ours/theirs, and the times. `theirs_plus`,
    if given, is timed too (torchattacks plus the forward pass that tells which samples succeeded,
    which our attacks return): ratio_vs_torchattacks_plus_success."""
    fns = {"ours": ours, "theirs": theirs} if theirs_plus is None else \
        {"ours": ours, "theirs": theirs, "plus": theirs_plus}
    for fn in fns.values() if warm_up else ():
        timed(fn, 1)
    times = {k: [] for k in fns}
    names = list(fns)
    for r in range(rounds):
        for k in names[r % len(names):] + names[: r % len(names)]:
            times[k].append(np.array(timed(fns[k], calls)) / calls)
    t = {k: np.array(v)[:, 0] for k, v in times.items()}  # wall clock
    cpu = {k: np.array(v)[:, 1] for k, v in times.items()}  # CPU time: what other processes' load changes least
    res = {"ours_ms": 1e3 * float(np.median(t["ours"])), "torchattacks_ms": 1e3 * float(np.median(t["theirs"])),
           "ratio_ours_over_torchattacks": float(np.median(t["ours"] / t["theirs"])),
           "ratio_quartiles": [float(q) for q in np.percentile(t["ours"] / t["theirs"], [25, 75])],
           "cpu_ratio_ours_over_torchattacks": float(np.median(cpu["ours"] / cpu["theirs"])),
           "cpu_ratio_quartiles": [float(q) for q in np.percentile(cpu["ours"] / cpu["theirs"], [25, 75])]}
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
    parser.add_argument("--cnn-batch", type=int, default=512)
    parser.add_argument("--cnn-rounds", type=int, default=3, help="CNN rounds of one call each")
    parser.add_argument("--cnn-gate-batch", type=int, default=16, help="CNN images in the float64 gate")
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
        """({name: our run}, theirs, theirs_plus): PGD runs as functions returning x_adv (B, 1, 28, 28);
        no numpy-track run where net is None (the CNN)."""
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
        if net is None:
            del ours["numpy_pgd"]

        def plus():  # torchattacks, then the forward pass that tells which samples it fooled
            adv = ta(x, y)
            with torch.no_grad():
                return adv, model(adv).argmax(1) != y

        return ours, lambda: ta(x, y), plus

    def setup_cnn(dtype, n):
        """The SmallCNN (random weights, seeded) and n bundled MNIST test digits in [0, 1]."""
        model = SmallCNN(generator=torch.Generator().manual_seed(0)).to(getattr(torch, np.dtype(dtype).name))
        images = load_dataset("mnist-bundled", "test").images[:n]  # (n, 1, 28, 28) uint8
        x = torch.from_numpy(images.astype(dtype) / dtype(255))  # (n, 1, 28, 28) in [0, 1]
        with torch.no_grad():
            y = model(x).argmax(1)  # (n,) attack the model's own predictions
        return None, model, x, y

    def gate64(pair, norm, s, tag=""):
        """The gate in float64: the same steps written two ways agree to rounding (1e-5)."""
        ours, theirs, _ = runs(*pair, norm, s)
        ref = theirs()
        for name, fn in ours.items():
            diff = float((fn() - ref).abs().max())
            if not diff <= 1e-5:
                gate_fail(f"{name}{tag} {norm} (float64)", f"max |x_adv - torchattacks x_adv| = {diff:.2e} > 1e-5")

    def time_cases(pair, norm, s, tag, rounds, calls, warm_up):
        """The timed cases in float32, where a gradient coordinate near 0 may change sign between
        two implementations and move that coordinate by alpha: 95 % of the samples within 1e-5."""
        ours, theirs, plus = runs(*pair, norm, s)
        ref = theirs()
        for name, fn in ours.items():
            diff = (fn() - ref).abs().flatten(1).amax(1)  # (B,) per sample
            close = float((diff <= 1e-5).float().mean())
            if not close >= 0.95:
                gate_fail(f"{name}{tag} {norm}", f"only {close:.1%} of the samples within 1e-5 of torchattacks' x_adv")
            res = {"case": f"{name}{tag}_{norm}", "batch": len(pair[2]), **s, "samples_within_1e-5": close,
                   "max_abs_diff_x_adv": float(diff.max()),
                   **paired_ratio(fn, theirs, rounds, calls, plus if name == "torch_pgd" else None, warm_up),
                   "goal_ratio": GOALS[name]}
            res["meets_goal"] = res["ratio_ours_over_torchattacks"] <= GOALS[name]
            results.append(res)

    for norm, s in PGD_SETTINGS.items():
        gate64(setup(np.float64), norm, s)
    gate64(setup_cnn(np.float64, args.cnn_gate_batch), "linf", CNN_SETTINGS, "_cnn")

    results = []
    net, model, x, y = setup(np.float32)
    for norm, s in PGD_SETTINGS.items():
        time_cases((net, model, x, y), norm, s, "", args.rounds, args.calls, warm_up=True)
    # the CNN: one call takes seconds, so a few rounds of one call; the gate above warmed every function up
    time_cases(setup_cnn(np.float32, args.cnn_batch), "linf", CNN_SETTINGS, "_cnn", args.cnn_rounds, 1,
               warm_up=False)

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

    print(f"{'case':25s} {'batch':>5s} {'ours ms':>9s} {'ta ms':>9s} {'ratio':>6s} {'cpu':>6s} {'goal':>5s} "
          f"{'+succ':>6s}  gate")
    for r in results:
        gate = (f"{r['samples_within_1e-5']:.1%} samples within 1e-5" if "samples_within_1e-5" in r
                else f"same successes, median |Δ‖δ‖|/‖δ‖ {r['median_rel_norm_diff']:.1e}")
        print(f"{r['case']:25s} {r['batch']:5d} {r['ours_ms']:9.2f} {r['torchattacks_ms']:9.2f} "
              f"{r['ratio_ours_over_torchattacks']:6.3f} {r['cpu_ratio_ours_over_torchattacks']:6.3f} "
              f"{'≤' + str(r['goal_ratio']):>5s} "
              f"{r.get('ratio_vs_torchattacks_plus_success', float('nan')):6.3f}  {gate}"
              f"{'' if r['meets_goal'] else '  (goal missed)'}")
    record = {
        "benchmark": "dmm_edu torch- and numpy-track PGD and DeepFool vs torchattacks, single thread",
        "baseline": f"torchattacks {torchattacks.__version__} (installed with --no-deps)",
        "model": {"sizes": SIZES, "activation": "relu", "init_c": 1.41, "weights": "random", "dtype": "float32",
                  "input_shape": list(SHAPE), "inputs": "uniform in [0, 1]"},
        "cnn_model": {"class": "dmm_edu.torch_nn.SmallCNN", "spec": SmallCNN(generator=torch.Generator()).spec,
                      "weights": "random (torch.Generator().manual_seed(0))", "dtype": "float32",
                      "inputs": "the first --cnn-batch images of mnist-bundled, test split, / 255"},
        "rounds": args.rounds, "calls_per_round": args.calls, "deepfool_rounds": args.df_rounds,
        "cnn_rounds": args.cnn_rounds, "cnn_calls_per_round": 1, "cnn_gate_batch": args.cnn_gate_batch,
        "load_average_1min": {"before": load_before,  # other work on the machine widens the quartiles
                              "after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
        "results": results,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
