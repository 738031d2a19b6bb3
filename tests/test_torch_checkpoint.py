"""Checkpoints of the torch models: round trip, weights_only loading, atomic saving, clear errors."""

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.torch_nn import MLP, ConvAutoencoder, SmallCNN, load_checkpoint, save_checkpoint  # noqa: E402
from dmm_edu.torch_nn.checkpoint import FORMAT  # noqa: E402



def gen(seed=0):
    return torch.Generator().manual_seed(seed)


MODELS = {
    "mlp": lambda g: MLP((1, 6, 6), hidden=(7, 5), n_classes=3, generator=g),
    "cnn": lambda g: SmallCNN((3, 8, 8), n_classes=4, channels=(2, 3), hidden=5, generator=g),
    "autoencoder": lambda g: ConvAutoencoder((1, 8, 8), k=3, channels=(2, 4), generator=g),
}


class Boom:
    """Unpickling this would create a directory: proof that the loader ran code from the file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_round_trip_gives_the_same_outputs(kind, tmp_path):
    model = MODELS[kind](gen(1))
    x = torch.rand(4, *model.in_shape, generator=gen(2))  # (N, C, H, W)
    meta = {"epochs": 3, "test_acc": np.float64(0.5), "config": {"lr": 0.01, "hidden": (7, 5)}, "note": None}
    path = save_checkpoint(tmp_path / "sub" / "model.pt", model, meta=meta)
    loaded, meta_back = load_checkpoint(path)
    assert type(loaded) is type(model) and loaded.spec == model.spec
    assert not loaded.training
    assert meta_back == {"epochs": 3, "test_acc": 0.5, "config": {"lr": 0.01, "hidden": (7, 5)}, "note": None}
    assert isinstance(meta_back["test_acc"], float)  # numpy scalars are stored as Python numbers
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_float64_model_stays_float64(tmp_path):
    model = MODELS["mlp"](gen()).double()
    save_checkpoint(tmp_path / "m.pt", model)
    loaded, meta = load_checkpoint(tmp_path / "m.pt", device="cpu")
    assert meta == {} and next(loaded.parameters()).dtype == torch.float64


def test_load_uses_weights_only_and_refuses_pickled_objects(tmp_path):
    marker = tmp_path / "code_ran"
    payload = {"format": FORMAT, "spec": MODELS["mlp"](gen()).spec, "state_dict": {}, "meta": {"x": Boom(marker)}}
    torch.save(payload, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="weights_only"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not marker.exists()


def test_missing_file_and_files_that_are_not_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nope.pt")
    (tmp_path / "text.pt").write_text("hello, not a torch file")
    with pytest.raises(ValueError, match="not a dmm_edu checkpoint"):
        load_checkpoint(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="no format marker"):
        load_checkpoint(tmp_path / "plain.pt")


def test_unknown_kind_and_weights_that_do_not_fit(tmp_path):
    model = MODELS["mlp"](gen())
    state = {k: v for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "spec": {"kind": "resnet"}, "state_dict": state, "meta": {}}, tmp_path / "a.pt")
    with pytest.raises(ValueError, match="resnet"):
        load_checkpoint(tmp_path / "a.pt")
    wrong_spec = {**model.spec, "hidden": (9, 5)}
    torch.save({"format": FORMAT, "spec": wrong_spec, "state_dict": state, "meta": {}}, tmp_path / "b.pt")
    with pytest.raises(ValueError, match="do not fit"):
        load_checkpoint(tmp_path / "b.pt")


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    old = MODELS["mlp"](gen(1))
    save_checkpoint(path, old, meta={"version": 1})
    before = path.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")  # part of the file is written, then the disk "fills up"
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="No space"):
        save_checkpoint(path, MODELS["mlp"](gen(2)), meta={"version": 2})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]  # no temporary file left behind
    _, meta = load_checkpoint(path)
    assert meta == {"version": 1}


def test_failed_first_save_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "save", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("interrupted")))
    with pytest.raises(RuntimeError, match="interrupted"):
        save_checkpoint(tmp_path / "model.pt", MODELS["mlp"](gen()))
    assert list(tmp_path.iterdir()) == []


def test_save_bad_input(tmp_path):
    with pytest.raises(TypeError, match="spec"):
        save_checkpoint(tmp_path / "m.pt", torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match=r"meta\['when'\] is a object"):
        save_checkpoint(tmp_path / "m.pt", MODELS["mlp"](gen()), meta={"when": object()})
    with pytest.raises(TypeError, match="meta must be a dict"):
        save_checkpoint(tmp_path / "m.pt", MODELS["mlp"](gen()), meta=[1, 2])
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_load_to_an_unavailable_device_is_an_error(tmp_path):
    save_checkpoint(tmp_path / "m.pt", MODELS["mlp"](gen()))
    with pytest.raises(ValueError, match="not available"):
        load_checkpoint(tmp_path / "m.pt", device="cuda")
