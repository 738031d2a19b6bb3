"""Bad inputs and faults, as a careful and a hostile user would try them: each lands in its class.

Every case is marked with the class it must land in, and one helper, `land`, checks that it does:

- `clear_error`: the call raises the expected exception type and its message names the argument or
  path and says what is accepted (two or more patterns, all of which must be in the message; from
  the command line: a click error, exit code != 0, no traceback);
- `recovery`: the operation succeeds and the state afterwards is correct (the case's own asserts).

Areas: attacks (numpy and torch track), networks, data loaders and hostile data files, downloads
(local servers and file:// mirrors only), torch training, checkpoints, the tour, and the `data`,
`animate` and `tour` commands. Tiny models and data: the file runs in seconds.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from data_fixtures import dead_url, gz, make_cifar_archive, make_idx_set, md5, serve, use_idx_set
from test_data_download import full_disk_fetch, trickle_server

from dmm_edu.attacks import deepfool, fgsm, pgd
from dmm_edu.data import image_catalog as catalog
from dmm_edu.data import load_dataset, prefetch
from dmm_edu.data.cifar import extract_members, parse_cifar_batch
from dmm_edu.data.download import fetch
from dmm_edu.data.idx import idx_bytes, parse_idx, read_idx
from dmm_edu.data.image_errors import CorruptDataError, DatasetUnavailableError
from dmm_edu.data.synthetic import subspace_world
from dmm_edu.numpy_nn import MLP as NumpyMLP
from dmm_edu.tour import TourConfig, run_tour

torch = pytest.importorskip("torch")
from dmm_edu.torch_nn import (  # noqa: E402  (after the torch check)
    MLP,
    ConvAutoencoder,
    SmallCNN,
    TrainConfig,
    build_model,
    load_checkpoint,
    save_checkpoint,
    train_autoencoder,
    train_classifier,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@dataclass
class Ctx:
    """What a case may use: a fresh folder, monkeypatch, a seeded generator."""

    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    rng: np.random.Generator


class CliError(Exception):
    """A command ended with a click error (exit code != 0, no traceback); the message is its output."""


# ---------------------------------------------------------------- the shared helper


def land(fault_class: str, call, exc, must_say, ctx: Ctx) -> None:
    """Check that `call(ctx)` lands in `fault_class` (see the module docstring)."""
    if fault_class == "clear_error":
        assert len(must_say) >= 2, "a clear error names the argument or path AND what is accepted: two patterns"
        with pytest.raises(exc) as info:
            call(ctx)
        message = str(info.value)
        assert "Traceback" not in message
        missing = [p for p in must_say if not re.search(p, message, re.S)]
        assert not missing, f"the message lacks {missing}:\n{message}"
    elif fault_class == "recovery":
        call(ctx)  # the operation must succeed; the case asserts the state it leaves
    else:
        pytest.fail(f"unknown fault class {fault_class!r}")


def error(case_id: str, call, exc, *must_say):
    """A case that must land in clear_error: call(ctx) raises exc, and its message matches each of must_say."""
    return pytest.param(call, exc, must_say, id=case_id, marks=pytest.mark.fault_class("clear_error"))


def recovers(case_id: str, call):
    """A case that must land in recovery: call(ctx) succeeds and asserts the state it leaves."""
    return pytest.param(call, None, (), id=case_id, marks=pytest.mark.fault_class("recovery"))


def cli(ctx: Ctx, *args: str, ok: bool = False):
    """Run `dmm-edu ARGS` in-process; raise CliError with the output on a clean click error, fail on a traceback."""
    from dmm_edu.cli import main

    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dmm-edu {' '.join(args)} crashed: {result.exception!r}\n{result.output}")
    if result.exit_code != 0 and not ok:
        raise CliError(result.output)
    return result


def cli_error(case_id: str, args, *must_say, setup=None):
    def call(ctx):
        if setup is not None:
            setup(ctx)
        cli(ctx, *args)

    return error(case_id, call, CliError, *must_say)


# ---------------------------------------------------------------- small things the cases use


def numpy_net(ctx, nan: bool = False):
    net = NumpyMLP([4, 8, 3], rng=ctx.rng)
    if nan:
        net.layers[0].W[1, 2] = np.nan  # one weight, as a diverged training leaves it
    return net, ctx.rng.normal(size=(5, 4)), np.array([0, 1, 2, 0, 1])


def torch_net(ctx, bad: float | None = None):
    model = MLP((1, 2, 2), hidden=(8,), n_classes=3, generator=torch.Generator().manual_seed(0))
    if bad is not None:
        with torch.no_grad():
            model.net[1].weight[0, 0] = bad
    x = torch.rand(6, 1, 2, 2, generator=torch.Generator().manual_seed(1))
    return model, x, torch.tensor([0, 1, 2, 0, 1, 2])


def images(n=12, shape=(1, 4, 4)):
    g = torch.Generator().manual_seed(2)
    return torch.rand(n, *shape, generator=g), torch.arange(n) % 3


def quiet(**kw) -> TrainConfig:
    return TrainConfig(**{"epochs": 2, "batch_size": 64, "progress": False, "device": "cpu", **kw})


def gen():
    return torch.Generator().manual_seed(0)


def saved_checkpoint(ctx) -> tuple[Path, dict]:
    path = ctx.tmp / "model.pt"
    save_checkpoint(path, MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen()))
    return path, torch.load(path, weights_only=True)


def tampered(ctx, **changes) -> Path:
    """A checkpoint whose payload has `changes` (spec=..., state_dict=..., format=...)."""
    path, payload = saved_checkpoint(ctx)
    payload.update(changes)
    torch.save(payload, path)
    return path


def tiny_mnist(ctx, mirrors=None) -> dict:
    """A tiny MNIST-like set behind a file:// mirror (or `mirrors`), an empty cache."""
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "cache"))
    made = make_idx_set(ctx.tmp / "mirror", ctx.rng)
    use_idx_set(ctx.monkeypatch, "mnist", made["table"], mirrors or [(ctx.tmp / "mirror").as_uri()])
    return made


def cached_mnist(ctx) -> Path:
    """tiny_mnist, prefetched: returns the cache folder of the set."""
    tiny_mnist(ctx)
    prefetch("mnist", progress=False)
    return ctx.tmp / "cache" / "datasets" / "mnist"


def served_file(ctx) -> dict:
    src = ctx.tmp / "mirror"
    src.mkdir()
    data = gz(bytes(range(256)) * 50)
    (src / "f.gz").write_bytes(data)
    return {"src": src, "url": src.as_uri(), "data": data, "md5": md5(data), "dest": ctx.tmp / "cache"}


def fetch_f(f, mirrors=None, **kw):
    return fetch("f.gz", mirrors or [f["url"]], f["dest"], md5=f["md5"], progress=False, **kw)


def cifar_archive(ctx, *extra) -> Path:
    path = ctx.tmp / "c.tar.gz"
    make_cifar_archive(path, ctx.rng, n=2, extra_members=extra)
    return path


def cifar_wanted():
    return {f"{catalog.CIFAR10_FOLDER}/{f}": f for f in catalog.CIFAR10_BATCHES}


def member(name, kind=tarfile.REGTYPE, data=b"x", linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


# ---------------------------------------------------------------- recoveries (each asserts the state)


def _stale_part_is_replaced(ctx):
    f = served_file(ctx)
    f["dest"].mkdir()
    stale = f["dest"] / "f.gz.part"
    stale.write_bytes(b"left by kill -9")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert fetch_f(f).read_bytes() == f["data"] and sorted(os.listdir(f["dest"])) == ["f.gz"]


def _planted_part_link_is_not_followed(ctx):
    f = served_file(ctx)
    f["dest"].mkdir()
    victim = ctx.tmp / "outside.txt"
    victim.write_bytes(b"a file outside the cache")
    (f["dest"] / "f.gz.part").symlink_to(victim)
    assert fetch_f(f).read_bytes() == f["data"]
    assert victim.read_bytes() == b"a file outside the cache" and sorted(os.listdir(f["dest"])) == ["f.gz"]


def _dangling_part_link_creates_nothing(ctx):
    f = served_file(ctx)
    f["dest"].mkdir()
    (f["dest"] / "f.gz.part").symlink_to(ctx.tmp / "would-be-created")
    assert fetch_f(f).read_bytes() == f["data"] and not (ctx.tmp / "would-be-created").exists()


def _a_404_mirror_falls_through(ctx):
    f = served_file(ctx)
    (ctx.tmp / "empty").mkdir()
    with serve(ctx.tmp / "empty") as missing:
        assert fetch_f(f, [missing, dead_url(), f["url"]]).read_bytes() == f["data"]


def _a_trickling_mirror_falls_through(ctx):
    f = served_file(ctx)
    with trickle_server() as slow:
        assert fetch_f(f, [slow, f["url"]], min_rate=0, deadline=0.3).read_bytes() == f["data"]


def _a_truncated_mirror_falls_through(ctx):
    f = served_file(ctx)
    with serve(f["src"], truncate=("f.gz",)) as cut:
        assert fetch_f(f, [cut, f["url"]]).read_bytes() == f["data"]
    assert sorted(os.listdir(f["dest"])) == ["f.gz"]


def _damaged_cache_entry_is_downloaded_again(ctx):
    made = tiny_mnist(ctx)
    prefetch("mnist", progress=False)
    images_file = ctx.tmp / "cache" / "datasets" / "mnist" / "train-images-idx3-ubyte.gz"
    images_file.write_bytes(images_file.read_bytes()[:40])  # truncated by a full disk, say
    prefetch("mnist", progress=False)
    ds = load_dataset("mnist", "train")
    np.testing.assert_array_equal(ds.images[:, 0], made["arrays"]["train"][0])


def _dead_first_mirror_then_load(ctx):
    made = tiny_mnist(ctx, mirrors=[dead_url(), (ctx.tmp / "mirror").as_uri()])
    ds = load_dataset("mnist", "test", download=True, progress=False)
    np.testing.assert_array_equal(ds.labels, made["arrays"]["test"][1])


def _cifar_stale_part_folder(ctx):
    archive = cifar_archive(ctx)
    dest = ctx.tmp / "batches"
    (ctx.tmp / "batches.part").mkdir()
    (ctx.tmp / "batches.part" / "junk").write_bytes(b"left by a crash")
    extract_members(archive, cifar_wanted(), dest)
    assert sorted(os.listdir(dest)) == sorted(catalog.CIFAR10_BATCHES) and not (ctx.tmp / "batches.part").exists()


def _cifar_part_link_is_not_followed(ctx):
    archive = cifar_archive(ctx)
    outside = ctx.tmp / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"mine")
    (ctx.tmp / "batches.part").symlink_to(outside, target_is_directory=True)
    extract_members(archive, cifar_wanted(), ctx.tmp / "batches")
    assert os.listdir(outside) == ["keep.txt"] and (outside / "keep.txt").read_bytes() == b"mine"
    assert sorted(os.listdir(ctx.tmp / "batches")) == sorted(catalog.CIFAR10_BATCHES)


def _cifar_dest_link_is_replaced_not_emptied(ctx):
    archive = cifar_archive(ctx)
    outside = ctx.tmp / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"mine")
    (ctx.tmp / "batches").symlink_to(outside, target_is_directory=True)
    extract_members(archive, cifar_wanted(), ctx.tmp / "batches")
    assert not (ctx.tmp / "batches").is_symlink() and (outside / "keep.txt").read_bytes() == b"mine"


def _checkpoint_beside_a_crashed_save(ctx):
    path, _ = saved_checkpoint(ctx)
    (ctx.tmp / ".model.pt.dead.tmp").write_bytes(b"half a checkpoint from a killed save")
    model, _ = load_checkpoint(path)
    reference = MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen())
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reference.state_dict().values()))


def _resave_replaces_a_checkpoint_whole(ctx):
    path, _ = saved_checkpoint(ctx)
    other = MLP((1, 4, 4), hidden=(5,), n_classes=3, generator=gen())
    save_checkpoint(path, other)
    model, _ = load_checkpoint(path)
    assert model.spec["hidden"] == (5,)


def _training_under_no_grad_still_trains(ctx):
    model = MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen())
    before = [p.detach().clone() for p in model.parameters()]
    x, y = images()
    with torch.no_grad():
        history = train_classifier(model, x, y, quiet(), generator=gen())
    assert history.epochs == 2 and all(np.isfinite(history.loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def _torch_attack_restores_train_mode(ctx):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 8), torch.nn.Dropout(0.5),
                                torch.nn.Linear(8, 3))
    model.train()
    _, x, y = torch_net(ctx)
    result = pgd(model, x, y, 0.1, steps=2)
    assert model.training and all(m.training for m in model.modules()) and bool((result.norm <= 0.1 + 1e-6).all())


def _torch_attack_leaves_x_alone(ctx):
    model, x, y = torch_net(ctx)
    x = x.clone().requires_grad_(True)
    before = x.detach().clone()
    result = fgsm(model, x, y, 0.1)
    assert torch.equal(x.detach(), before) and x.grad is None and result.x_adv.shape == x.shape


def _numpy_attack_on_read_only_x(ctx):
    net, x, y = numpy_net(ctx)
    x.setflags(write=False)
    result = pgd(net, x, y, 0.2, steps=3)
    assert result.x_adv.shape == x.shape and np.all(result.norm <= 0.2 + 1e-12)


def _zero_budget_on_a_finite_model(ctx):
    """The negative control of the finite-logit check: a finite model at eps = 0 is no error."""
    model, x, y = torch_net(ctx)
    result = pgd(model, x, y, 0.0)
    assert torch.equal(result.x_adv, x) and bool((result.norm == 0).all())


def _prefetch_bundled_cli(ctx):
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "cache"))
    out = cli(ctx, "data", "prefetch", "mnist-bundled").output
    assert "mnist-bundled: ready (1 files checked)" in out


def _data_list_with_cache_under_a_file(ctx):
    (ctx.tmp / "afile").write_text("not a folder")
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "afile"))
    out = cli(ctx, "data", "list").output
    assert "mnist-bundled" in out and "bundled" in out and "afile" in out


def _relative_cache_is_relative_to_the_cwd(ctx):
    ctx.monkeypatch.chdir(ctx.tmp)
    made = make_idx_set(ctx.tmp / "mirror", ctx.rng)
    use_idx_set(ctx.monkeypatch, "mnist", made["table"], [(ctx.tmp / "mirror").as_uri()])
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", "rel-cache")
    prefetch("mnist", progress=False)
    assert (ctx.tmp / "rel-cache" / "datasets" / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()


# ---------------------------------------------------------------- hostile and damaged files


def _write(ctx, name: str, data: bytes) -> Path:
    path = ctx.tmp / name
    path.write_bytes(data)
    return path


def _gzip_bomb(ctx) -> Path:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as out:
        block = b"\0" * (1 << 20)
        for _ in range(300):  # 300 MiB of zeros in a few hundred KB
            out.write(block)
    return _write(ctx, "bomb.gz", buf.getvalue())


class _RunsCodeWhenUnpickled:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickle_payload(ctx) -> Path:
    path = ctx.tmp / "evil.pt"
    torch.save({"format": "dmm_edu.checkpoint/1", "spec": _RunsCodeWhenUnpickled(ctx.tmp / "ran"),
                "state_dict": {}, "meta": {}}, path)
    return path


def _load_evil(ctx):
    try:
        load_checkpoint(_pickle_payload(ctx))
    finally:
        assert not (ctx.tmp / "ran").exists(), "unpickling ran code"


def _damaged_idx_in_cache(ctx):
    folder = cached_mnist(ctx)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + b"\0" * 20)
    load_dataset("mnist", "test")


def _idx_folder_in_cache(ctx):
    folder = cached_mnist(ctx)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (folder / "t10k-labels-idx1-ubyte.gz").mkdir()
    load_dataset("mnist", "test")


def _cached_final_name_is_a_folder(ctx):
    tiny_mnist(ctx)
    (ctx.tmp / "cache" / "datasets" / "mnist" / "train-images-idx3-ubyte.gz").mkdir(parents=True)
    prefetch("mnist", progress=False)


def _huge_dims_header(ctx):
    header = bytes([0, 0, 8, 3]) + np.array([2**31, 2**31, 2**31], dtype=">u4").tobytes()
    parse_idx(header + b"\0" * 16, source="huge.idx")


def _no_download_offline(ctx):
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "cache"))
    load_dataset("mnist", "train")


def _all_mirrors_dead(ctx):
    tiny_mnist(ctx, mirrors=[dead_url(), (ctx.tmp / "nowhere").as_uri()])
    load_dataset("mnist", "train", download=True, progress=False)


def _fresh_part_in_the_way(ctx):
    f = served_file(ctx)
    f["dest"].mkdir()
    (f["dest"] / "f.gz.part").write_bytes(b"another process is writing this")
    fetch_f(f)


def _folder_part(ctx):
    f = served_file(ctx)
    (f["dest"] / "f.gz.part").mkdir(parents=True)
    fetch_f(f)


def _folder_final(ctx):
    f = served_file(ctx)
    (f["dest"] / "f.gz").mkdir(parents=True)
    fetch_f(f)


def _trickle(ctx, **kw):
    f = served_file(ctx)
    with trickle_server() as slow:
        fetch_f(f, [slow], **kw)


def _cache_under_a_file(ctx):
    f = served_file(ctx)
    (ctx.tmp / "afile").write_text("x")
    fetch("f.gz", [f["url"]], ctx.tmp / "afile" / "datasets", md5=f["md5"], progress=False)


def _full_disk(ctx):
    """A real fault: the download runs in a child process whose files may not grow past half the file."""
    f = served_file(ctx)
    caught = full_disk_fetch(f, [f["url"], f["url"]])
    assert caught.startswith("OSError "), caught
    raise OSError(caught[len("OSError "):])


def _wrong_md5(ctx):
    f = served_file(ctx)
    fetch("f.gz", [f["url"]], f["dest"], md5="0" * 32, progress=False)


def _train_nan_weights_autoencoder(ctx):
    ae = ConvAutoencoder((1, 4, 4), k=2, channels=(2, 2), generator=gen())
    with torch.no_grad():
        ae.encoder[0].weight.fill_(float("nan"))
    train_autoencoder(ae, images()[0], quiet(), generator=gen())


def _train_diverges(ctx):
    model = MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen())
    x, y = images()
    train_classifier(model, x, y, quiet(epochs=5, lr=1e38), generator=gen())


def _train_perturb_nan(ctx):
    model = MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen())
    x, y = images()
    train_classifier(model, x, y, quiet(), generator=gen(), perturb=lambda m, xb, yb: xb * float("nan"))


def _train(ctx, **kw):
    model = MLP((1, 4, 4), hidden=(8,), n_classes=3, generator=gen())
    x, y = images()
    train_classifier(model, kw.pop("x", x), kw.pop("y", y), quiet(), generator=gen(), **kw)


def _verify_damaged_cli(ctx):
    folder = cached_mnist(ctx)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    cli(ctx, "data", "verify", "mnist")


def _prefetch_offline_cli(ctx):
    tiny_mnist(ctx, mirrors=[dead_url()])
    cli(ctx, "data", "prefetch", "mnist", "--no-progress")


def _prefetch_folder_in_the_way_cli(ctx):
    tiny_mnist(ctx)
    (ctx.tmp / "cache" / "datasets" / "mnist" / "t10k-images-idx3-ubyte.gz.part").mkdir(parents=True)
    cli(ctx, "data", "prefetch", "mnist", "--no-progress")


def _cache_is_a_file_cli(ctx):
    (ctx.tmp / "afile").write_text("x")
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "afile"))
    cli(ctx, "data", "prefetch", "mnist", "--no-progress")


def _animate_empty_result(ctx):
    (ctx.tmp / "empty").mkdir()
    cli(ctx, "animate", "clinging_3d", "--result", str(ctx.tmp / "empty"))


def _animate_out_is_a_file(ctx):
    (ctx.tmp / "afile").write_text("x")
    cli(ctx, "animate", "clinging_3d", "--out", str(ctx.tmp / "afile"))


def _animate_without_manim(ctx):
    ctx.monkeypatch.setitem(sys.modules, "manim", None)  # as if the animations extra were not installed
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "cache"))
    cli(ctx, "animate", "clinging_3d", "--profile", "smoke", "--out", str(ctx.tmp / "media"))
    assert not (ctx.tmp / "cache").exists()  # refused before any experiment ran


def _animate_out_under_a_file(ctx):
    pytest.importorskip("manim")
    (ctx.tmp / "afile").write_text("x")
    ctx.monkeypatch.setenv("DMM_EDU_CACHE", str(ctx.tmp / "cache"))
    cli(ctx, "animate", "clinging_3d", "--profile", "smoke", "--out", str(ctx.tmp / "afile" / "sub"))


# ---------------------------------------------------------------- the cases

ARG = r"is not accepted"
CASES = [
    # attacks, numpy track
    error("np-pgd-eps-negative", lambda c: pgd(*numpy_net(c), -0.1), ValueError, r"eps=-0\.1", r"finite number >= 0"),
    error("np-pgd-eps-nan", lambda c: pgd(*numpy_net(c), float("nan")), ValueError, r"eps=nan", r">= 0"),
    error("np-pgd-norm", lambda c: pgd(*numpy_net(c), 0.1, norm="l3"), ValueError, r"norm='l3'", r"'linf', 'l2'"),
    error("np-pgd-steps-0", lambda c: pgd(*numpy_net(c), 0.1, steps=0), ValueError, r"steps=0", r"integer >= 1"),
    error("np-pgd-nan-x", lambda c: pgd(numpy_net(c)[0], np.full((2, 4), np.nan), [0, 1], 0.1), ValueError,
          r"x contains NaN or inf", r"expected finite values"),
    error("np-pgd-nan-weight", lambda c: pgd(*numpy_net(c, nan=True), 0.1), ValueError,
          r"model gives logits that are not finite .* for 5 of 5 inputs", r"an attack needs finite logits"),
    error("np-fgsm-nan-weight", lambda c: fgsm(*numpy_net(c, nan=True), 0.1), ValueError,
          r"model gives logits that are not finite", r"needs finite logits"),
    error("np-deepfool-nan-weight", lambda c: deepfool(*numpy_net(c, nan=True)), ValueError,
          r"model gives logits that are not finite", r"needs finite logits"),
    error("np-pgd-bounds-reversed", lambda c: pgd(*numpy_net(c), 0.1, bounds=(1, 0)), ValueError,
          r"bounds=\(1, 0\)", r"lo < hi"),
    error("np-pgd-x-outside-bounds", lambda c: pgd(*numpy_net(c), 0.1, bounds=(0, 1)), ValueError,
          r"outside bounds=\(0\.0, 1\.0\)", r"must lie inside the box"),
    error("np-pgd-random-start-no-rng", lambda c: pgd(*numpy_net(c), 0.1, random_start=True), ValueError,
          r"random_start=True needs rng", r"np\.random\.Generator"),
    error("np-pgd-restarts-no-random-start", lambda c: pgd(*numpy_net(c), 0.1, restarts=2), ValueError,
          r"restarts=2", r"needs random_start=True"),
    error("np-deepfool-overshoot", lambda c: deepfool(*numpy_net(c), overshoot=2), ValueError,
          r"overshoot=2", r"\[0\.0, 1\.0\]"),
    error("np-pgd-space-on-linf", lambda c: pgd(*numpy_net(c), 0.1, space="on"), ValueError,
          r"space='on'", r"only accepted with norm='l2'"),
    error("np-pgd-y-length", lambda c: pgd(numpy_net(c)[0], numpy_net(c)[1], [0, 1], 0.1), ValueError,
          r"y", r"5"),
    error("np-pgd-loss", lambda c: pgd(*numpy_net(c), 0.1, loss="hinge"), ValueError, r"loss='hinge'",
          r"'ce', 'margin'"),
    # attacks, torch track
    error("torch-pgd-nan-weight", lambda c: pgd(*torch_net(c, float("nan")), 0.1), ValueError,
          r"model gives logits that are not finite .* for 6 of 6 inputs", r"needs finite logits"),
    error("torch-fgsm-nan-weight", lambda c: fgsm(*torch_net(c, float("nan")), 0.1), ValueError,
          r"model gives logits that are not finite", r"needs finite logits"),
    error("torch-deepfool-nan-weight", lambda c: deepfool(*torch_net(c, float("nan"))), ValueError,
          r"model gives logits that are not finite", r"needs finite logits"),
    error("torch-pgd-inf-weight", lambda c: pgd(*torch_net(c, float("inf")), 0.1, random_start=True, rng=gen()),
          ValueError, r"model gives logits that are not finite", r"weights for NaN or inf"),
    error("torch-pgd-int-x", lambda c: pgd(torch_net(c)[0], torch.zeros(6, 1, 2, 2, dtype=torch.int64),
                                           torch_net(c)[2], 0.1), TypeError, r"x must be a float tensor",
          r"float32 or float64"),
    error("torch-pgd-dtype-mismatch", lambda c: pgd(torch_net(c)[0], torch_net(c)[1].double(), torch_net(c)[2], 0.1),
          TypeError, r"x has dtype torch\.float64", r"model's parameters are torch\.float32"),
    error("torch-pgd-label-range", lambda c: pgd(*torch_net(c)[:2], torch.tensor([0, 1, 2, 3, 0, 1]), 0.1),
          ValueError, r"y contains label 3", r"accepted labels are 0\.\.2"),
    error("torch-pgd-rng-type", lambda c: pgd(*torch_net(c), 0.1, random_start=True, rng=np.random.default_rng(0)),
          TypeError, r"rng must be a torch\.Generator", r"manual_seed"),
    error("torch-deepfool-steps", lambda c: deepfool(*torch_net(c)[:2], steps=0), ValueError, r"steps=0",
          r"integer >= 1"),
    recovers("torch-pgd-finite-model-eps-0", _zero_budget_on_a_finite_model),
    recovers("torch-attack-restores-train-mode", _torch_attack_restores_train_mode),
    recovers("torch-attack-x-requires-grad", _torch_attack_leaves_x_alone),
    recovers("np-attack-read-only-x", _numpy_attack_on_read_only_x),
    # networks
    error("np-mlp-one-size", lambda c: NumpyMLP([3], rng=c.rng), ValueError, r"sizes=\[3\]", r"at least 2"),
    error("np-mlp-activation", lambda c: NumpyMLP([3, 2], "gelu", rng=c.rng), ValueError, r"activation='gelu'",
          r"'relu', 'tanh'"),
    error("torch-mlp-in-shape", lambda c: MLP((1, 28), generator=gen()), ValueError, r"in_shape=\(1, 28\)",
          r"expected \(C, H, W\)"),
    error("torch-cnn-in-shape-odd", lambda c: SmallCNN((1, 30, 30), generator=gen()), ValueError,
          r"in_shape=\(1, 30, 30\)", r"divisible by 4"),
    error("torch-mlp-hidden-0", lambda c: MLP(hidden=(0,), generator=gen()), ValueError, r"hidden\[0\]=0",
          r"integer >= 1"),
    error("torch-mlp-one-class", lambda c: MLP(n_classes=1, generator=gen()), ValueError, r"n_classes=1",
          r"integer >= 2"),
    error("torch-mlp-generator", lambda c: MLP(generator=0), TypeError, r"generator must be a torch\.Generator",
          r"manual_seed"),
    error("torch-build-kind", lambda c: build_model({"kind": "rnn"}, generator=gen()), ValueError,
          r"spec\['kind'\]='rnn'", r"'mlp', 'cnn', 'autoencoder'"),
    error("torch-build-extra-key", lambda c: build_model({"kind": "mlp", "depth": 3}, generator=gen()), ValueError,
          r"spec=.*depth", r"does not fit MLP"),
    # torch training
    error("train-diverges", _train_diverges, FloatingPointError, r"training diverged at epoch \d+, batch 1 of 1",
          r"lower lr \(now 1e\+38"),
    error("train-autoencoder-nan-weights", _train_nan_weights_autoencoder, FloatingPointError,
          r"training diverged at epoch 1, batch 1 of 1 \(the loss became nan\)", r"lower lr"),
    error("train-perturb-nan", _train_perturb_nan, FloatingPointError, r"training diverged at epoch 1",
          r"check that perturb returns finite images"),
    error("train-lr-0", lambda c: TrainConfig(lr=0), ValueError, r"lr=0", r"finite number > 0"),
    error("train-lr-nan", lambda c: TrainConfig(lr=float("nan")), ValueError, r"lr=nan", r"finite number > 0"),
    error("train-optimizer", lambda c: TrainConfig(optimizer="rmsprop"), ValueError, r"optimizer='rmsprop'",
          r"'sgd', 'adam'"),
    error("train-batch-0", lambda c: TrainConfig(batch_size=0), ValueError, r"batch_size=0", r"integer >= 1"),
    error("train-labels-range", lambda c: _train(c, y=torch.arange(12) % 5), ValueError, r"y contains labels",
          r"outside 0\.\.2"),
    error("train-nan-x", lambda c: _train(c, x=torch.full((12, 1, 4, 4), float("nan"))), ValueError,
          r"x contains NaN or inf", r"expected finite values"),
    error("train-x-val-alone", lambda c: _train(c, x_val=images()[0]), ValueError, r"x_val and y_val",
          r"given together"),
    error("train-perturb-shape", lambda c: _train(c, perturb=lambda m, xb, yb: xb[:1]), ValueError,
          r"perturb must return a tensor", r"batch's shape"),
    error("train-wrong-image-shape", lambda c: _train(c, x=torch.rand(12, 1, 5, 5)), ValueError,
          r"x must have shape \(N, 1, 4, 4\)", r"got \(12, 1, 5, 5\)"),
    recovers("train-under-no-grad", _training_under_no_grad_still_trains),
    # checkpoints
    error("ckpt-absurd-layer", lambda c: load_checkpoint(tampered(c, spec={"kind": "mlp", "in_shape": (1, 4, 4),
                                                                            "hidden": (10**12,), "n_classes": 3})),
          ValueError, r"model\.pt", r"net\.1\.weight: the spec needs \(1000000000000, 16\), the file holds \(8, 16\)"),
    error("ckpt-absurd-input", lambda c: load_checkpoint(tampered(c, spec={"kind": "mlp", "in_shape": (1, 10**6, 10**6),
                                                                            "hidden": (8,), "n_classes": 3})),
          ValueError, r"model\.pt", r"the spec needs \(8, 1000000000000\), the file holds \(8, 16\)"),
    error("ckpt-long-layer-list", lambda c: load_checkpoint(tampered(c, spec={"kind": "mlp", "in_shape": (1, 4, 4),
                                                                               "hidden": (8,) * 10**4, "n_classes": 3})),
          ValueError, r"model\.pt: spec\['hidden'\] lists 10000 values", r"only 4 weight tensors"),
    error("ckpt-kind", lambda c: load_checkpoint(tampered(c, spec={"kind": "rnn"})), ValueError,
          r"model\.pt holds a spec that describes no dmm_edu model", r"'mlp', 'cnn', 'autoencoder'"),
    error("ckpt-spec-not-dict", lambda c: load_checkpoint(tampered(c, spec="mlp")), ValueError,
          r"model\.pt holds spec='mlp'", r"expected a dict like model\.spec"),
    error("ckpt-state-not-tensor", lambda c: load_checkpoint(tampered(c, state_dict={"net.1.weight": 3})), ValueError,
          r"model\.pt: state_dict entries \['net\.1\.weight'\]", r"not tensors"),
    error("ckpt-weights-mismatch", lambda c: load_checkpoint(tampered(c, spec={"kind": "mlp", "in_shape": (1, 4, 4),
                                                                               "hidden": (9,), "n_classes": 3})),
          ValueError, r"the weights in .*model\.pt do not fit", r"the spec needs \(9, 16\), the file holds \(8, 16\)"),
    error("ckpt-no-format", lambda c: load_checkpoint(tampered(c, format="other/1")), ValueError,
          r"model\.pt is a torch file but not a dmm_edu checkpoint", r"save_checkpoint"),
    error("ckpt-random-bytes", lambda c: load_checkpoint(_write(c, "x.pt", bytes(c.rng.integers(0, 256, 256,
                                                                                              dtype=np.uint8)))),
          ValueError, r"x\.pt is not a dmm_edu checkpoint", r"(not a readable torch file|it is not a torch file)"),
    error("ckpt-truncated", lambda c: load_checkpoint(_write(c, "t.pt", saved_checkpoint(c)[0].read_bytes()[:300])),
          ValueError, r"t\.pt is not a dmm_edu checkpoint", r"not a readable torch file"),
    error("ckpt-pickled-code", _load_evil, ValueError, r"evil\.pt is not a dmm_edu checkpoint",
          r"weights_only=True\) refused it"),
    error("ckpt-missing", lambda c: load_checkpoint(c.tmp / "none.pt"), FileNotFoundError, r"no checkpoint at .*none\.pt",
          r"not an existing file"),
    error("ckpt-folder", lambda c: load_checkpoint(c.tmp), FileNotFoundError, r"no checkpoint at", r"not an existing file"),
    error("ckpt-meta-set", lambda c: save_checkpoint(c.tmp / "m.pt", MLP(generator=gen()), meta={"s": {1}}), TypeError,
          r"meta\['s'\] is a set", r"only str, int, float, bool, None"),
    error("ckpt-save-to-a-folder", lambda c: save_checkpoint(c.tmp, MLP(generator=gen())), IsADirectoryError,
          r"path='.*' is a folder", r"expected the checkpoint's file name, e\.g\. '.*model\.pt'"),
    error("ckpt-save-under-a-file", lambda c: save_checkpoint(_write(c, "f", b"x") / "m.pt", MLP(generator=gen())),
          OSError, r"path='.*f/m\.pt': cannot create the folder '.*f'", r"expected a path whose folders can be created"),
    recovers("ckpt-beside-a-crashed-save", _checkpoint_beside_a_crashed_save),
    recovers("ckpt-resave-replaces", _resave_replaces_a_checkpoint_whole),
    # data loaders and hostile data files
    error("data-name", lambda c: load_dataset("mnst"), ValueError, r"name='mnst'", r"'mnist', 'fashion-mnist'"),
    error("data-split", lambda c: load_dataset("mnist-bundled", "val"), ValueError, r"split='val'", r"'train', 'test'"),
    error("data-not-cached", _no_download_offline, DatasetUnavailableError, r"mnist train: train-images-idx3-ubyte\.gz "
          r"is not in the cache", r"dmm-edu data prefetch mnist"),
    error("data-all-mirrors-dead", _all_mirrors_dead, DatasetUnavailableError, r"could not download .*tried:",
          r"127\.0\.0\.1.*\n.*nowhere"),
    error("data-damaged-idx", _damaged_idx_in_cache, CorruptDataError, r"t10k-images-idx3-ubyte\.gz",
          r"To repair it, run `dmm-edu data prefetch mnist`"),
    error("data-idx-is-a-folder", _idx_folder_in_cache, CorruptDataError,
          r"t10k-labels-idx1-ubyte\.gz: not a regular file", r"expected an IDX file"),
    error("data-final-name-is-a-folder", _cached_final_name_is_a_folder, IsADirectoryError,
          r"train-images-idx3-ubyte\.gz is a folder", r"move the folder away"),
    error("data-gzip-bomb", lambda c: read_idx(_gzip_bomb(c)), CorruptDataError, r"bomb\.gz: holds more than",
          r"no MNIST-like file is that large"),
    error("data-idx-huge-dims", _huge_dims_header, CorruptDataError, r"huge\.idx: truncated",
          r"header says shape \(2147483648, 2147483648, 2147483648\)"),
    error("data-idx-magic", lambda c: parse_idx(b"\x1f\x8b\x08\x00rest", source="m.idx"), CorruptDataError,
          r"m\.idx: magic 1f 8b 08 00", r"expected 00 00 08 ND"),
    error("data-idx-float-type", lambda c: parse_idx(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"abcd", source="f.idx"),
          CorruptDataError, r"f\.idx: IDX type code 0x0d", r"expected 0x08"),
    error("data-cifar-length", lambda c: parse_cifar_batch(b"\0" * 3000, source="b.bin"), CorruptDataError,
          r"b\.bin: 3000 bytes", r"3073 bytes each"),
    error("data-cifar-label", lambda c: parse_cifar_batch(bytes([11]) + b"\0" * 3072, source="b.bin"),
          CorruptDataError, r"b\.bin: record 0 has label 11", r"labels are 0\.\.9"),
    error("data-cifar-traversal", lambda c: extract_members(cifar_archive(c, member("../../evil")), cifar_wanted(),
                                                            c.tmp / "out"), CorruptDataError,
          r"member '\.\./\.\./evil' would be written outside", r"refusing the archive"),
    error("data-cifar-link-member", lambda c: extract_members(
        cifar_archive(c, member(f"{catalog.CIFAR10_FOLDER}/x", tarfile.SYMTYPE, linkname="/etc/passwd")),
        {**cifar_wanted(), f"{catalog.CIFAR10_FOLDER}/x": "x"}, c.tmp / "out"), CorruptDataError,
          r"member '.*/x' is not a regular file", r"refusing it"),
    error("data-subset-too-many", lambda c: load_dataset("mnist-bundled", "test").subset(10**6, c.rng), ValueError,
          r"n_per_class=1000000", r"has only \d+ images"),
    error("data-world-k-above-n", lambda c: subspace_world(n=3, k=5, rng=c.rng), ValueError, r"k=5",
          r"k <= n = 3"),
    error("data-to-torch-device", lambda c: load_dataset("mnist-bundled", "test").to_torch("tpu"), ValueError,
          r"device='tpu'", r"'auto', 'cpu', 'cuda'"),
    error("data-idx-bytes-dtype", lambda c: idx_bytes(np.zeros(3, dtype=np.float32)), TypeError,
          r"a must be a uint8 array", r"float32"),
    recovers("data-damaged-cache-refetched", _damaged_cache_entry_is_downloaded_again),
    recovers("data-dead-first-mirror", _dead_first_mirror_then_load),
    recovers("data-cifar-stale-part-folder", _cifar_stale_part_folder),
    recovers("data-cifar-part-link", _cifar_part_link_is_not_followed),
    recovers("data-cifar-dest-link", _cifar_dest_link_is_replaced_not_emptied),
    recovers("data-relative-cache", _relative_cache_is_relative_to_the_cwd),
    # downloads
    error("dl-timeout-0", lambda c: fetch_f(served_file(c), timeout=0), ValueError, r"timeout=0",
          r"expected seconds, a finite number > 0"),
    error("dl-deadline-negative", lambda c: fetch_f(served_file(c), deadline=-1), ValueError, r"deadline=-1",
          r"finite number > 0"),
    error("dl-min-rate-inf", lambda c: fetch_f(served_file(c), min_rate=float("inf")), ValueError, r"min_rate=inf",
          r"finite number >= 0"),
    error("dl-one-url-string", lambda c: fetch("f.gz", "http://127.0.0.1/", c.tmp, md5="0" * 32), TypeError,
          r"mirrors='http://127\.0\.0\.1/'", r"expected a list of folder URLs"),
    error("dl-trickle-deadline", lambda c: _trickle(c, min_rate=0, deadline=0.3), DatasetUnavailableError,
          r"f\.gz: not finished within deadline=0\.3 s", r"127\.0\.0\.1"),
    error("dl-trickle-min-rate", lambda c: _trickle(c, timeout=0.3, min_rate=500, deadline=None),
          DatasetUnavailableError, r"f\.gz: too slow", r"at least min_rate=500 bytes/s"),
    error("dl-fresh-part", _fresh_part_in_the_way, FileExistsError, r"f\.gz\.part changed \d+ s ago",
          r"wait for it, or delete the \.part file"),
    error("dl-part-is-folder", _folder_part, FileExistsError, r"f\.gz\.part is a folder", r"move it away"),
    error("dl-final-is-folder", _folder_final, IsADirectoryError, r"f\.gz is a folder", r"move the folder away"),
    error("dl-cache-under-a-file", _cache_under_a_file, PermissionError, r"afile/datasets is not writable",
          r"DMM_EDU_CACHE"),
    error("dl-full-disk", _full_disk, OSError, r"no space left for f\.gz in .*cache \(File too large\)",
          r"free some space, or set DMM_EDU_CACHE to a folder on a disk with room"),
    error("dl-wrong-md5", _wrong_md5, DatasetUnavailableError, r"f\.gz: MD5 is [0-9a-f]{32}", r"expected 0{32}"),
    recovers("dl-stale-part", _stale_part_is_replaced),
    recovers("dl-planted-part-link", _planted_part_link_is_not_followed),
    recovers("dl-dangling-part-link", _dangling_part_link_creates_nothing),
    recovers("dl-404-then-good", _a_404_mirror_falls_through),
    recovers("dl-trickle-then-good", _a_trickling_mirror_falls_through),
    recovers("dl-truncated-then-good", _a_truncated_mirror_falls_through),
    # the tour
    error("tour-c-nan", lambda c: TourConfig(c=float("nan")), ValueError, r"c=nan", r"finite number > 0"),
    error("tour-k-1", lambda c: TourConfig(k=1), ValueError, r"k=1", r"2 <= k <= n = 200"),
    error("tour-lr-negative", lambda c: TourConfig(lr=-1), ValueError, r"lr=-1", r"finite number > 0"),
    error("tour-seed-negative", lambda c: TourConfig(seed=-1), ValueError, r"seed=-1", r"integer >= 0"),
    error("tour-n-train-0", lambda c: TourConfig(n_train=0), ValueError, r"n_train=0", r"integer >= 1"),
    error("tour-config-type", lambda c: run_tour({"c": 1}), TypeError, r"config must be a TourConfig", r"got dict"),
    error("tour-diverges", lambda c: run_tour(TourConfig(c=1e6, epochs=1, n_train=500, n_attack=10)),
          FloatingPointError, r"training diverged at step \d+", r"smaller init scale c \(now 1e\+06"),
    error("tour-logits-overflow", lambda c: run_tour(TourConfig(c=1e9, n_train=300, n_test=50, epochs=1,
                                                                n_attack=10)), FloatingPointError,
          r"the trained network's logits are NaN or inf", r"smaller init scale c \(now 1e\+09"),
    # the commands
    cli_error("cli-tour-c-nan", ["tour", "--c", "nan"], r"Invalid value for --c: c=nan", r"finite number > 0"),
    cli_error("cli-tour-c-inf", ["tour", "--c", "inf"], r"Invalid value for --c: c=inf", r"finite number > 0"),
    cli_error("cli-tour-c-negative", ["tour", "--c", "-1"], r"Invalid value for '--c'", r"range x>0"),
    cli_error("cli-tour-c-0", ["tour", "--c", "0"], r"Invalid value for '--c'", r"range x>0"),
    cli_error("cli-tour-c-text", ["tour", "--c", "big"], r"Invalid value for '--c'", r"'big' is not a valid float"),
    cli_error("cli-tour-diverges", ["tour", "--c", "1e6", "--epochs", "1"], r"Error: training diverged",
              r"smaller init scale c \(now 1e\+06; the tour's default is 2\.5\)"),
    cli_error("cli-data-prefetch-name", ["data", "prefetch", "nope"], r"Invalid value for NAME: nope",
              r"choose from mnist, fashion-mnist"),
    cli_error("cli-data-verify-name", ["data", "verify", "nope"], r"Invalid value for NAME: nope",
              r"choose from mnist"),
    cli_error("cli-data-prefetch-nothing", ["data", "prefetch"], r"Missing argument 'NAME\.\.\.'", r"Usage: "),
    error("cli-data-verify-damaged", _verify_damaged_cli, CliError, r"bad .*t10k-labels-idx1-ubyte\.gz",
          r"1 damaged file\(s\): repair with `dmm-edu data prefetch NAME`"),
    error("cli-data-prefetch-offline", _prefetch_offline_cli, CliError, r"Error: mnist: could not download",
          r"tried:\n  http://127\.0\.0\.1"),
    error("cli-data-prefetch-part-folder", _prefetch_folder_in_the_way_cli, CliError,
          r"Error: mnist: .*t10k-images-idx3-ubyte\.gz\.part is a folder", r"move it away"),
    error("cli-data-cache-is-a-file", _cache_is_a_file_cli, CliError, r"afile/datasets/mnist is not writable",
          r"set the environment variable DMM_EDU_CACHE"),
    cli_error("cli-animate-scene", ["animate", "nope"], r"Invalid value for 'SCENE': 'nope'", r"'clinging_3d'"),
    cli_error("cli-animate-result-missing", ["animate", "clinging_3d", "--result", "/no/such/folder"],
              r"Invalid value for '--result'", r"'/no/such/folder' does not exist"),
    error("cli-animate-result-empty", _animate_empty_result, CliError, r"Invalid value for --result",
          r"does not hold a dmm_edu result"),
    cli_error("cli-animate-quality", ["animate", "clinging_3d", "--quality", "ultra"], r"Invalid value for '--quality'",
              r"'low'"),
    cli_error("cli-animate-format", ["animate", "clinging_3d", "--format", "avi"], r"Invalid value for '--format'",
              r"'mp4'"),
    cli_error("cli-animate-profile", ["animate", "clinging_3d", "--profile", "huge"], r"Invalid value for '--profile'",
              r"'smoke', 'book', 'full'"),
    error("cli-animate-out-is-a-file", _animate_out_is_a_file, CliError, r"Invalid value for '--out'", r"is a file"),
    cli_error("cli-animate-seed", ["animate", "clinging_3d", "--seed", "-1"], r"Invalid value for '--seed'",
              r"range x>=0"),
    error("cli-animate-no-manim", _animate_without_manim, CliError, r"the animations need manim \(manim is not "
          r"installed\)", r"pip install -e '\.\[animations\]'.*libcairo2-dev libpango1\.0-dev pkg-config"),
    error("cli-animate-out-under-a-file", _animate_out_under_a_file, CliError,
          r"Invalid value for --out: --out='.*afile/sub': cannot create the folder",
          r"expected a folder that can be created \(no file in its path\) and written"),
    recovers("cli-data-prefetch-bundled", _prefetch_bundled_cli),
    recovers("cli-data-list-cache-under-a-file", _data_list_with_cache_under_a_file),
]


@pytest.fixture
def ctx(tmp_path, monkeypatch, rng):
    return Ctx(tmp_path, monkeypatch, rng)


@pytest.mark.parametrize("call, exc, must_say", CASES)
def test_bad_input_lands_in_its_class(call, exc, must_say, ctx, request):
    land(request.node.get_closest_marker("fault_class").args[0], call, exc, must_say, ctx)


def test_the_suite_covers_both_classes_with_enough_cases():
    classes = [mark.args[0] for case in CASES for mark in case.marks if mark.name == "fault_class"]
    assert len(classes) == len(CASES) >= 75
    assert {"clear_error", "recovery"} == set(classes)
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_helper_can_fail():
    """Negative controls: `land` rejects an error that does not say what is accepted, a wrong exception
    type, a call that does not fail, and a recovery that leaves a wrong state."""
    c = None
    with pytest.raises(AssertionError, match="the message lacks"):
        land("clear_error", lambda c: TourConfig(c=float("nan")), ValueError, (r"c=nan", r"one of \[.*\]"), c)
    with pytest.raises(ValueError):
        land("clear_error", lambda c: TourConfig(c=float("nan")), TypeError, (r"c=nan", r"> 0"), c)
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        land("clear_error", lambda c: TourConfig(), ValueError, (r"c", r"> 0"), c)

    def wrong_state(c):
        assert 1 + 1 == 3

    with pytest.raises(AssertionError):
        land("recovery", wrong_state, None, (), c)
