"""Time one training step of the numpy MLP against torch on the CPU, as a ratio.

Same architecture (the default synthetic world's MLP, n-256-256-256-C with ReLU), same weights,
same batch, plain SGD, softmax cross-entropy. Both run single-threaded; each round times a block of
steps of each framework back to back (the order alternates between rounds), after a warm-up; the
figure is the median over rounds of the paired ratio numpy/torch. Writes
benchmarks/results/mlp_step.json.

    python benchmarks/bench_mlp_step.py [--rounds 15] [--steps 50]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # must be set before numpy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dmm_edu.numpy_nn import MLP, SGD  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "mlp_step.json"


def make_pair(sizes, dtype, rng):
    """A numpy MLP and a torch nn.Sequential holding the same weights."""
    net = MLP(sizes, "relu", c=1.41, rng=rng, dtype=dtype)
    layers = []
    for i, lin in enumerate(net.linears):
        t = torch.nn.Linear(*lin.W.shape).to(getattr(torch, np.dtype(dtype).name))
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(lin.W.T.copy()))  # torch stores (out, in)
            t.bias.copy_(torch.from_numpy(lin.b))
        layers += [t, torch.nn.ReLU()] if i < len(net.linears) - 1 else [t]
    return net, torch.nn.Sequential(*layers)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = [([200, 256, 256, 256, 4], 64, np.float32), ([200, 256, 256, 256, 4], 64, np.float64),
             ([3, 400, 1], 64, np.float64), ([200, 256, 256, 256, 4], 1000, np.float32)]
    results = []
    for sizes, batch, dtype in cases:
        res = bench(sizes, batch, dtype, args.rounds, args.steps)
        results.append(res)
        print(f"{'-'.join(map(str, sizes)):22s} batch {batch:5d} {res['dtype']:8s} numpy {res['numpy_step_ms']:.3f} ms"
              f"  torch {res['torch_step_ms']:.3f} ms  ratio {res['ratio_numpy_over_torch']:.2f}")
    record = {
        "benchmark": "one SGD training step, numpy MLP vs torch, single thread",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count()},
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
        "rounds": args.rounds, "steps_per_round": args.steps,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
