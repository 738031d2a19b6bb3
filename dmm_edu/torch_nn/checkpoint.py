"""Saving and loading trained torch models: the spec to rebuild them, the weights, and a note.

A checkpoint is one torch file holding {"format", "spec", "state_dict", "meta"}: plain data and
tensors only, so it loads with torch.load(weights_only=True), which refuses to run the arbitrary
code a pickled object could carry. It is written to a temporary file beside the target and renamed
into place, so an interrupted save never leaves a half-written checkpoint; it is created with the
process's umask, like any file the user makes. Book page: "torch_nn".
"""

from __future__ import annotations

import os
import pickle
import secrets
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dmm_edu.torch_nn.device import pick_device
from dmm_edu.torch_nn.models import build_model

FORMAT = "dmm_edu.checkpoint/1"
_PLAIN = (str, int, float, bool, type(None), torch.Tensor)


def _plain(name: str, value):
    """`value` with numpy scalars turned into Python numbers; TypeError if weights_only could not load it."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(f"{name}[{i}]", v) for i, v in enumerate(value))
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)):
                raise TypeError(f"{name} has key {key!r}; checkpoint keys must be str or int")
        return {key: _plain(f"{name}[{key!r}]", v) for key, v in value.items()}
    raise TypeError(
        f"{name} is a {type(value).__name__}; a checkpoint holds only str, int, float, bool, None, "
        "tensors, and lists, tuples and dicts of them (so that torch.load(weights_only=True) can read it)"
    )


def save_checkpoint(path: str | os.PathLike, model: nn.Module, *, meta: dict | None = None) -> Path:
    """Write model.spec, the weights (as CPU tensors) and `meta` to `path` atomically; returns the path.

    model: a dmm_edu.torch_nn model (it has a `spec`); meta: a dict of plain data (e.g. the
    training config, epochs, test accuracy). An existing file at `path` is replaced only once the
    new one is complete.
    """
    if not isinstance(model, nn.Module) or not isinstance(getattr(model, "spec", None), dict):
        raise TypeError(f"model must be a dmm_edu.torch_nn model with a `spec` dict (MLP, SmallCNN, "
                        f"ConvAutoencoder, or build_model(...)); got {type(model).__name__}")
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict or None; got {type(meta).__name__}")
    payload = {
        "format": FORMAT,
        "spec": _plain("model.spec", model.spec),
        "state_dict": {key: t.detach().cpu() for key, t in model.state_dict().items()},
        "meta": _plain("meta", meta if meta is not None else {}),
    }
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path={str(path)!r} is a folder; expected the checkpoint's file name, e.g. "
                                f"{str(path / 'model.pt')!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, f"path={str(path)!r}: cannot create the folder {str(path.parent)!r} "
                                 f"({exc.strerror or exc}); expected a path whose folders can be created") from exc
    while True:  # a new hidden file beside the target, mode 0o666 less the umask (mkstemp would force 0o600)
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)  # atomic on POSIX and Windows: readers see the old file or the new one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _check_fits(path: Path, spec, state: dict) -> None:
    """ValueError unless `spec` describes a model whose weights have exactly the names and shapes of
    `state`. The model is built on the meta device (shapes only, no memory), so a damaged or hostile
    spec asking for a huge layer is refused without allocating it."""
    if not isinstance(spec, dict):
        raise ValueError(f"{path} holds spec={spec!r}; expected a dict like model.spec; the checkpoint is damaged")
    bad = [key for key, t in state.items() if not isinstance(t, torch.Tensor)]
    if bad:
        raise ValueError(f"{path}: state_dict entries {bad[:5]} are not tensors; the checkpoint is damaged")
    for key, value in spec.items():  # a layer list far longer than the tensors saved cannot fit (and is slow to build)
        if isinstance(value, (list, tuple)) and len(value) > len(state) + 3:
            raise ValueError(f"{path}: spec[{key!r}] lists {len(value)} values but the file holds only {len(state)} "
                             "weight tensors; the checkpoint is damaged")
    generator = torch.Generator()
    try:
        with torch.device("meta"):
            skeleton = build_model(spec, generator=generator)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} holds a spec that describes no dmm_edu model ({exc}); the checkpoint is damaged") \
            from exc
    want = {key: tuple(t.shape) for key, t in skeleton.state_dict().items()}
    got = {key: tuple(t.shape) for key, t in state.items()}
    problems = [f"{key}: the spec needs {want[key]}, the file holds {got[key]}"
                for key in want if key in got and want[key] != got[key]]
    problems += [f"{key}: missing from the file" for key in want if key not in got]
    problems += [f"{key}: in the file but not in the model" for key in got if key not in want]
    if problems:
        raise ValueError(f"the weights in {path} do not fit the model its spec describes ({spec}): "
                         + "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))


def load_checkpoint(path: str | os.PathLike, *, device: str | torch.device | None = None) -> tuple[nn.Module, dict]:
    """Rebuild the model saved at `path`; returns (model, meta).

    The model is rebuilt from its spec, gets the saved weights (and their dtype), is put in eval
    mode and moved to `device` (None: the CPU; otherwise as in pick_device, e.g. "auto").
    Raises FileNotFoundError for a missing file and ValueError for a file that is not a dmm_edu
    checkpoint, a spec of unknown kind, or weights that do not fit the spec.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path} (not an existing file)")
    target = torch.device("cpu") if device is None else pick_device(device)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{path} is not a dmm_edu checkpoint: torch.load(weights_only=True) refused it (it is not a "
            "torch file, or it holds pickled objects other than plain data and tensors, which could run "
            "arbitrary code; dmm_edu never loads those)"
        ) from exc
    except Exception as exc:  # torch.load fails in many ways on foreign bytes (RuntimeError, EOFError, KeyError, ...)
        raise ValueError(f"{path} is not a dmm_edu checkpoint (not a readable torch file: "
                         f"{type(exc).__name__}: {exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is a torch file but not a dmm_edu checkpoint (no format marker {FORMAT!r}); "
                         "write checkpoints with save_checkpoint")
    spec, state = payload.get("spec"), payload.get("state_dict")
    if not isinstance(state, dict):
        raise ValueError(f"{path} has no state_dict; the checkpoint is damaged")
    _check_fits(path, spec, state)  # before any memory is allocated for the model the spec describes
    model = build_model(spec, generator=torch.Generator().manual_seed(0))  # values are overwritten below
    floats = [t.dtype for t in state.values() if isinstance(t, torch.Tensor) and t.is_floating_point()]
    if floats:
        model.to(floats[0])  # e.g. a float64 model for gradient checks stays float64
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"the weights in {path} do not fit the model its spec describes ({spec}): {exc}") from exc
    model.to(target).eval()
    return model, payload.get("meta") or {}
