"""Time one training step of the numpy MLP against torch on the CPU, as a ratio.

Same architecture (the default synthetic world's MLP, n-256-256-256-C with ReLU), same weights,
same batch, plain SGD, softmax cross-entropy. Both run single-threaded; each round times a block of
steps of each framework back to back (the order alternates between rounds), after a warm-up; the
figure is the median over rounds of the paired ratio numpy/torch. Writes
benchmarks/results/mlp_step.json.

A second table times E1's toy network (3-400-1, full batch of the 8x8 chessboard) per network-step
three ways in the same rounds: one network at a time (`train` + SGD, as E1 trained before), a stack of
K networks (`numpy_nn.stacked.train_stacked`, as E1 trains now; K = 3 is one seed's three recipes) and
torch, as ratios to the one-at-a-time loop.

    python benchmarks/bench_mlp_step.py [--rounds 15] [--steps 50]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import make_pair, write_record  # isort: skip  (first: pins BLAS to one thread before numpy loads)

import numpy as np
import torch

from dmm_edu.numpy_nn import MLP, SGD, StackedMLP, train, train_stacked
from dmm_edu.torch_nn.convert import from_numpy_mlp

RESULTS = Path(__file__).parent / "results" / "mlp_step.json"


def numpy_steps(net, opt, x, y, steps):
    loss = "binary_logistic" if net.n_outputs == 1 else "cross_entropy"
    t0 = time.perf_counter()
    for _ in range(steps):
        net.loss_and_grads(x, y, loss)
        opt.step()
    return time.perf_counter() - t0


def torch_steps(model, opt, x, y, steps):
    if model[-1].out_features == 1:  # one logit: binary cross-entropy on it, labels as floats
        loss_fn, y = torch.nn.BCEWithLogitsLoss(), y.to(model[-1].weight.dtype)[:, None]
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return time.perf_counter() - t0


def bench(sizes, batch, dtype, rounds, steps, seed=0):
    rng = np.random.default_rng(seed)
    net, model = make_pair(sizes, dtype, rng)
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)  # (B, n)
    y = rng.integers(0, max(sizes[-1], 2), size=batch)  # (B,)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt_np = SGD(net.params, net.grads, lr=1e-3)
    opt_t = torch.optim.SGD(model.parameters(), lr=1e-3)
    numpy_steps(net, opt_np, x, y, steps)  # warm-up
    torch_steps(model, opt_t, xt, yt, steps)
    ratios, t_np, t_t = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a = numpy_steps(net, opt_np, x, y, steps)
            b = torch_steps(model, opt_t, xt, yt, steps)
        else:
            b = torch_steps(model, opt_t, xt, yt, steps)
            a = numpy_steps(net, opt_np, x, y, steps)
        ratios.append(a / b)
        t_np.append(a / steps)
        t_t.append(b / steps)
    return {
        "sizes": sizes, "batch": batch, "dtype": np.dtype(dtype).name,
        "numpy_step_ms": 1e3 * float(np.median(t_np)), "torch_step_ms": 1e3 * float(np.median(t_t)),
        "ratio_numpy_over_torch": float(np.median(ratios)),
        "ratio_quartiles": [float(q) for q in np.percentile(ratios, [25, 75])],
    }


def bench_stacked(dtype, rounds, steps, stacks=(3, 9), seed=0):
    """Per network-step time of the toy network: one at a time, stacked by K, torch; ratios to the loop."""
    from dmm_edu.data.toys import chessboard

    world = chessboard(8)  # x: (64, 3), y: (64,)
    x, y = np.array(world.x, dtype=dtype), world.y  # writable copies (torch.from_numpy warns otherwise)

    def models(K):
        return [MLP([3, 400, 1], "relu", init="uniform", rng=np.random.default_rng(seed + k), dtype=dtype)
                for k in range(K)]

    def loop():
        net = models(1)[0]
        t0 = time.perf_counter()
        train(net, SGD(net.params, net.grads, lr=0.05), x, y, loss="binary_logistic", steps=steps)
        return (time.perf_counter() - t0) / steps

    def stacked(K):
        net = StackedMLP.from_models(models(K))
        t0 = time.perf_counter()
        train_stacked(net, x, y, lr=0.05, steps=steps)
        return (time.perf_counter() - t0) / steps / K

    def torch_loop():
        model = from_numpy_mlp(models(1)[0])  # the same weights
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        return torch_steps(model, opt, torch.from_numpy(x), torch.from_numpy(y), steps) / steps

    kinds = {"loop": loop, **{f"stacked_{K}": (lambda K=K: stacked(K)) for K in stacks}, "torch": torch_loop}
    for fn in kinds.values():
        fn()  # warm-up
    times = {name: [] for name in kinds}
    for r in range(rounds):
        order = list(kinds) if r % 2 == 0 else list(kinds)[::-1]
        for name in order:
            times[name].append(kinds[name]())
    ratios = {name: float(np.median(np.array(t) / np.array(times["loop"]))) for name, t in times.items() if name != "loop"}
    return {
        "sizes": [3, 400, 1], "batch": int(x.shape[0]), "dtype": np.dtype(dtype).name,
        "us_per_network_step": {name: 1e6 * float(np.median(t)) for name, t in times.items()},
        "ratio_to_loop": ratios,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cases = [([200, 256, 256, 256, 4], 64, np.float32), ([200, 256, 256, 256, 4], 64, np.float64),
             ([3, 400, 1], 64, np.float64), ([200, 256, 256, 256, 4], 1000, np.float32)]
    results = []
    for sizes, batch, dtype in cases:
        res = bench(sizes, batch, dtype, args.rounds, args.steps)
        results.append(res)
        print(f"{'-'.join(map(str, sizes)):22s} batch {batch:5d} {res['dtype']:8s} numpy {res['numpy_step_ms']:.3f} ms"
              f"  torch {res['torch_step_ms']:.3f} ms  ratio {res['ratio_numpy_over_torch']:.2f}")
    toy = []
    for dtype in (np.float32, np.float64):
        res = bench_stacked(dtype, args.rounds, args.steps)
        toy.append(res)
        print(f"toy 3-400-1 batch 64 {res['dtype']:8s} us/network-step "
              + "  ".join(f"{k} {v:.1f}" for k, v in res["us_per_network_step"].items())
              + "  ratio to loop " + "  ".join(f"{k} {v:.2f}" for k, v in res["ratio_to_loop"].items()))
    record = {
        "benchmark": "one SGD training step, numpy MLP vs torch, single thread",
        "rounds": args.rounds, "steps_per_round": args.steps,
        "results": results,
        "toy_stacked": toy,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
