"""Moving a network between the two tracks: a numpy MLP as a torch nn.Sequential and back.

The numpy MLP computes h ↦ h W + b with W: (D_in, D_out); torch's nn.Linear computes
h ↦ h Wᵀ + b and stores W as (D_out, D_in), so the weights are transposed on the way. The copy
keeps the dtype (float64 stays float64), so the same weights give the same logits on both tracks:
the parity tests and the benchmarks rest on this. Book page: "torch_nn".
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dmm_edu._checks import _describe
from dmm_edu.numpy_nn.mlp import MLP

# numpy MLP activation name <-> torch module (torch's Softplus(beta=1) switches to the identity above
# threshold 20, where log(1 + e^z) and z differ by less than e^-20)
ACTIVATION_MODULES = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}


def from_numpy_mlp(mlp: MLP, *, flatten: bool = False) -> nn.Sequential:
    """nn.Sequential(Linear, act, …, Linear) holding a copy of mlp's weights, in mlp's dtype.

    mlp: a dmm_edu.numpy_nn.MLP with sizes [D_0, …, D_L]. With `flatten=True` an nn.Flatten()
    comes first, so the model also takes images (N, *shape) with prod(shape) = D_0.
    The result maps x: (N, D_0) -> logits (N, D_L), equal to mlp.forward(x) up to rounding.
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a dmm_edu.numpy_nn.MLP; got {_describe(mlp)}")
    dtype = getattr(torch, mlp.dtype.name)
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    linears = mlp.linears
    for i, lin in enumerate(linears):
        d_in, d_out = lin.W.shape  # (D_in, D_out)
        t = nn.Linear(d_in, d_out, dtype=dtype)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(np.ascontiguousarray(lin.W.T)))  # (D_out, D_in): torch stores Wᵀ
            t.bias.copy_(torch.from_numpy(lin.b))  # (D_out,)
        layers.append(t)
        if i < len(linears) - 1:
            layers.append(ACTIVATION_MODULES[mlp.activation]())
    return nn.Sequential(*layers)


def to_numpy_mlp(model: nn.Sequential) -> MLP:
    """The numpy MLP holding a copy of the weights of nn.Sequential([Flatten,] Linear, act, …, Linear).

    Every activation must be the same one of ReLU, Tanh, Sigmoid, Softplus(beta=1); the dtype
    (float32 or float64) is kept. The numpy MLP's init scale c is recorded as 1.0 (unknown).
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential of Linear and activation layers; got {_describe(model)}")
    mods = list(model)
    if mods and isinstance(mods[0], nn.Flatten):
        mods = mods[1:]
    linears, acts = mods[0::2], mods[1::2]
    names = {cls: name for name, cls in ACTIVATION_MODULES.items()}
    ok = (len(linears) >= 1 and len(acts) == len(linears) - 1 and all(type(m) is nn.Linear for m in linears)
          and all(type(a) in names for a in acts) and len({type(a) for a in acts}) <= 1
          and all(a.beta == 1 for a in acts if isinstance(a, nn.Softplus)))
    if not ok:
        raise ValueError(f"model must alternate Linear and one kind of activation ({', '.join(ACTIVATION_MODULES)}), "
                         f"ending with a Linear; got {[type(m).__name__ for m in model]}")
    dtype = linears[0].weight.dtype
    if dtype not in (torch.float32, torch.float64) or any(m.weight.dtype != dtype for m in linears):
        raise ValueError(f"model must hold float32 or float64 weights throughout; got {dtype}")
    sizes = [linears[0].in_features] + [m.out_features for m in linears]
    mlp = MLP(sizes, names[type(acts[0])] if acts else "relu", rng=np.random.default_rng(0),
              dtype=str(dtype).removeprefix("torch."))
    for lin, m in zip(mlp.linears, linears):
        lin.W[...] = m.weight.detach().cpu().numpy().T  # (D_in, D_out)
        lin.b[...] = m.bias.detach().cpu().numpy() if m.bias is not None else 0.0
    return mlp
