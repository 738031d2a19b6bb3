"""A trained classifier kept between experiments: the same network is trained once per seed, not four times.

E6, E7 and E10 (and E12, which replays E10) start alike: load the images, draw a torch generator from
the run's rng, build the classifier from it and train it. At one seed and one recipe these are the
same draws, so the four experiments train the same network, weight for weight, and the book's runs
trained it four times per seed (and each CNN variant's twice, E6's and E7's, at about 20 CPU-seconds each).

`fit_or_load` keeps the trained weights, and the generator's state after training, in the cache
folder's `models/` (`dmm_edu.cache`) under a key made of everything the training reads: the code that
trains (the source hash of `dmm_edu.experiments._images` and what it imports), the recipe fields
training reads (`_images.TRAINING_FIELDS`), the training images and labels (their bytes), the generator's state before the
network is built, the device, the torch version and the thread count (which changes a float sum's
order). An experiment that asks for a network already trained this way builds it (the same draws
from the generator), loads the weights and sets the generator to the stored state, then goes on:
what it computes afterwards is what it computes after training (tests/test_trained.py runs E7 after
E6 and in an empty cache and compares every number).

An entry is written to a temporary file and renamed into place, so it is whole or absent; one that
cannot be read (damaged, another torch) is trained again and replaced. Two processes that want the
same network at once (the book runs experiments in parallel) take turns under a file lock: the
second one loads what the first trained. A cache folder that cannot be written costs only the
shortcut.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from dmm_edu.cache import cache_dir

KIND = "models"  #: the cache folder's subfolder that holds trained networks


@functools.cache
def _code_hash() -> str:
    from dmm_edu.results.code import code_hash

    return code_hash("dmm_edu.experiments._images")


def key(fields: dict, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, device: str) -> str:
    """The hex key of a training run: code, recipe `fields`, data x (N, C, H, W) and y (N,), the generator's
    state now (before the network is built), the device, torch's version and thread count."""
    h = hashlib.sha256()
    for part in (_code_hash(), repr(sorted(fields.items())), device, torch.__version__, str(torch.get_num_threads()),
                 str(tuple(x.shape)), str(x.dtype), str(tuple(y.shape)), str(y.dtype)):
        h.update(part.encode() + b"\0")
    h.update(x.detach().cpu().contiguous().numpy().tobytes())
    h.update(y.detach().cpu().contiguous().numpy().tobytes())
    h.update(generator.get_state().numpy().tobytes())
    return h.hexdigest()


def _path(k: str) -> Path:
    return cache_dir() / KIND / f"{k}.pt"


@contextlib.contextmanager
def _turn(path: Path):
    """Hold the entry's file lock (one trainer per key at a time); without a writable cache, no lock."""
    from filelock import FileLock

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path.with_suffix(".lock")))
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _load(path: Path) -> dict | None:
    """The stored entry {"state": state_dict, "generator": ByteTensor}, or None if absent or unreadable."""
    try:
        entry = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # absent, damaged, truncated, written by another torch: train again and replace it
        return None
    if not (isinstance(entry, dict) and isinstance(entry.get("state"), dict)
            and isinstance(entry.get("generator"), torch.Tensor)):
        return None
    return entry


def _store(path: Path, model: torch.nn.Module, generator: torch.Generator) -> None:
    entry = {"state": {name: t.detach().cpu() for name, t in model.state_dict().items()},
             "generator": generator.get_state()}
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        os.close(fd)
        torch.save(entry, tmp)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def fit_or_load(build: Callable[[], torch.nn.Module], fit: Callable[[torch.nn.Module], None], k: str,
                generator: torch.Generator, device: torch.device | str) -> torch.nn.Module:
    """The trained network of key `k`: `build()` (which draws its weights from `generator`), then either the
    stored weights and generator state of an earlier training with this key, or `fit(model)` (which trains
    in place, drawing from `generator`) and storing the result. Either way the model and the generator
    end in the same state."""
    path = _path(k)
    with _turn(path):
        before = generator.get_state()
        model = build()
        entry = _load(path)
        if entry is not None:
            try:
                model.load_state_dict(entry["state"])
                generator.set_state(entry["generator"])
                return model.to(device)
            except (RuntimeError, ValueError):  # not this network's layout: build it again and train it
                generator.set_state(before)
                model = build()
        fit(model)
        _store(path, model, generator)
    return model
