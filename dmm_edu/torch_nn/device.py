"""Choosing where torch computes: a CUDA GPU, Apple's MPS, or the CPU.

`pick_device("auto")` takes the fastest device this machine has (cuda, then mps, then cpu); the
environment variable DMM_EDU_DEVICE overrides that choice (e.g. DMM_EDU_DEVICE=cpu for a run that
must match the book's CPU numbers). A device that is asked for by name but missing is an error,
never a silent fall back to the CPU. Book page: "torch_nn".
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "DMM_EDU_DEVICE"
ACCEPTED = "'auto', 'cpu', 'cuda', 'cuda:<index>', 'mps' or a torch.device"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """The device names usable here, fastest first, e.g. ['cuda:0', 'cpu']."""
    names = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return names + (["mps"] if _mps_available() else []) + ["cpu"]


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """The torch.device to compute on.

    device: "auto" (DMM_EDU_DEVICE if set, else cuda if available, then mps, then cpu), or
    "cpu" / "cuda" / "cuda:<index>" / "mps" / a torch.device. Raises ValueError for a name torch
    does not know or a device this machine does not have.
    """
    if isinstance(device, str) and device == "auto":
        requested = os.environ.get(ENV_VAR, "").strip()
        if requested and requested != "auto":
            try:
                return pick_device(requested)
            except ValueError as exc:
                raise ValueError(f"environment variable {ENV_VAR}={requested!r} is not usable: {exc}") from exc
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device={device!r} is not accepted; expected {ACCEPTED}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"device={device!r} is not accepted; expected {ACCEPTED}") from exc
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (dev.index is not None and dev.index >= count):
            raise ValueError(
                f"device={device!r} is not available on this machine (torch.cuda.is_available() is "
                f"{torch.cuda.is_available()}, {count} CUDA devices); available: {available_devices()}"
            )
    elif dev.type == "mps":
        if not _mps_available():
            raise ValueError(f"device={device!r} is not available on this machine; available: {available_devices()}")
    elif dev.type != "cpu":
        raise ValueError(f"device={device!r} is not accepted; expected {ACCEPTED}")
    return dev
