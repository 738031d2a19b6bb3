"""The torch models, the device choice and the training loop (dmm_edu.torch_nn)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.torch_nn import (  # noqa: E402
    MLP,
    ConvAutoencoder,
    SmallCNN,
    TrainConfig,
    build_model,
    evaluate,
    pick_device,
    predict,
    train_autoencoder,
    train_classifier,
)



def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def blobs(N, rng, in_shape=(1, 4, 4), margin=0.1):
    """Two linearly separable classes of images: x = 0.5 + 0.1 noise + s u, labels by sign(u.(x - 0.5)).

    Points with |u.(x - 0.5)| < margin are dropped, so a hyperplane separates the classes with that margin.
    """
    n = math.prod(in_shape)
    u = rng.standard_normal(n)
    u /= np.linalg.norm(u)  # (n,) unit normal of the separating hyperplane
    y = rng.integers(0, 2, 4 * N)
    X = 0.5 + 0.1 * rng.standard_normal((4 * N, n)) + np.where(y == 1, 0.3, -0.3)[:, None] * u  # (4N, n)
    s = (X - 0.5) @ u  # (4N,) signed distance to the hyperplane
    keep = np.abs(s) >= margin
    X, y = X[keep][:N], (s[keep][:N] > 0).astype(np.int64)  # the hyperplane decides the label
    return X.reshape(-1, *in_shape).astype(np.float32), y


QUIET = dict(progress=False, device="cpu")


# ---------------------------------------------------------------- models
@pytest.mark.parametrize("in_shape", [(1, 28, 28), (3, 32, 32)])
def test_model_output_shapes(in_shape):
    x = torch.rand(5, *in_shape)  # (N, C, H, W)
    for model in (MLP(in_shape, generator=gen()), SmallCNN(in_shape, n_classes=7, generator=gen())):
        assert model(x).shape == (5, model.n_classes)
    ae = ConvAutoencoder(in_shape, k=12, generator=gen())
    z = ae.encode(x)
    assert z.shape == (5, 12)
    x_hat = ae.decode(z)
    assert x_hat.shape == x.shape and ae(x).shape == x.shape
    assert float(x_hat.detach().min()) >= 0.0 and float(x_hat.detach().max()) <= 1.0  # sigmoid output


def test_mlp_is_784_256_256_10():
    model = MLP(generator=gen())
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    assert sum(p.numel() for p in model.parameters()) == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10


def test_autoencoder_uses_softplus_and_no_relu():
    ae = ConvAutoencoder(generator=gen())
    kinds = {type(m) for m in ae.modules()}
    assert torch.nn.Softplus in kinds and torch.nn.ReLU not in kinds


def test_init_follows_torch_default_distribution():
    """W, b ~ U(±1/sqrt(fan_in)): inside the bound, with the uniform's std bound/sqrt(3)."""
    model = MLP(generator=gen(3))
    W = model.net[1].weight.detach()  # (256, 784)
    bound = 1 / math.sqrt(784)
    assert float(W.abs().max()) <= bound
    assert float(W.std()) == pytest.approx(bound / math.sqrt(3), rel=0.02)  # 200k draws: std error ~0.3%
    assert float(model.net[1].bias.detach().abs().max()) <= bound


def test_same_seed_same_weights_and_global_rng_untouched():
    state = torch.get_rng_state()
    a, b, c = (ConvAutoencoder(generator=gen(s)) for s in (1, 1, 2))
    assert torch.equal(torch.get_rng_state(), state)  # no draw from the global generator
    for (name, p), q, r in zip(a.named_parameters(), b.parameters(), c.parameters()):
        assert torch.equal(p, q), name
        assert not torch.equal(p, r), name


@pytest.mark.parametrize("model", [MLP((1, 6, 6), hidden=(7,), n_classes=3, generator=gen()),
                                   SmallCNN((3, 8, 8), channels=(2, 3), hidden=5, generator=gen()),
                                   ConvAutoencoder((1, 8, 8), k=3, channels=(2, 4), generator=gen())])
def test_build_model_rebuilds_from_spec(model):
    again = build_model(model.spec, generator=gen())
    assert type(again) is type(model) and again.spec == model.spec
    for p, q in zip(model.parameters(), again.parameters()):
        assert torch.equal(p, q)


def test_model_bad_arguments():
    with pytest.raises(TypeError, match="generator"):
        MLP()
    with pytest.raises(TypeError, match="generator"):
        MLP(generator=0)
    with pytest.raises(ValueError, match="in_shape"):
        MLP((28, 28), generator=gen())
    with pytest.raises(ValueError, match="divisible by 4"):
        SmallCNN((1, 30, 30), generator=gen())
    with pytest.raises(ValueError, match="k=0"):
        ConvAutoencoder(k=0, generator=gen())
    with pytest.raises(ValueError, match="channels"):
        SmallCNN(channels=(8,), generator=gen())
    with pytest.raises(ValueError, match="resnet"):
        build_model({"kind": "resnet"}, generator=gen())
    with pytest.raises(ValueError, match="does not fit"):
        build_model({"kind": "mlp", "depth": 3}, generator=gen())


# ---------------------------------------------------------------- device
def test_pick_device_cpu_and_env_override(monkeypatch):
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")
    monkeypatch.setenv("DMM_EDU_DEVICE", "cpu")
    assert pick_device("auto") == torch.device("cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv("DMM_EDU_DEVICE", "tpu7")
    with pytest.raises(ValueError, match="DMM_EDU_DEVICE"):
        pick_device("auto")


def test_pick_device_auto_without_env_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("DMM_EDU_DEVICE", raising=False)
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    want = "cuda" if torch.cuda.is_available() else "mps" if mps else "cpu"
    assert pick_device("auto").type == want
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a machine without a GPU
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="not available"):
        pick_device("cuda:0")
    with pytest.raises(ValueError, match="not available"):
        pick_device("mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pick_device_unavailable_cuda_is_an_error():
    with pytest.raises(ValueError, match="not available"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="not available"):
        pick_device("cuda:1")


def test_pick_device_bad_names():
    with pytest.raises(ValueError, match="device='gpu'"):
        pick_device("gpu")
    with pytest.raises(TypeError, match="device=3"):
        pick_device(3)


# ---------------------------------------------------------------- training
def test_mlp_learns_separable_blobs(rng):
    x, y = blobs(600, rng)
    model = MLP((1, 4, 4), hidden=(32,), n_classes=2, generator=gen())
    h = train_classifier(model, x[:400], y[:400], TrainConfig(epochs=15, batch_size=32, lr=0.05, **QUIET),
                         generator=gen(1), x_val=x[400:], y_val=y[400:])
    assert len(h.loss) == len(h.train_acc) == len(h.val_acc) == h.epochs == 15
    assert h.val_acc[-1] >= 0.95 and evaluate(model, x[:400], y[:400]) >= 0.95
    assert h.loss[-1] < h.loss[0]
    assert h.seconds > 0
    assert h.train_acc[-1] >= 0.9  # accuracy on the batches during the last epoch, before each step


def spot_images(N, rng, size=8):
    """A bright 2x2 spot in the left (label 0) or right (label 1) third of a dark image: separable by halves."""
    x = 0.05 * rng.uniform(size=(N, 1, size, size))  # (N, 1, H, W) dim background
    y = rng.integers(0, 2, N)
    rows = rng.integers(0, size - 1, N)
    cols = np.where(y == 1, rng.integers(size - size // 3 - 1, size - 1, N), rng.integers(0, size // 3, N))
    for i in range(N):
        x[i, 0, rows[i] : rows[i] + 2, cols[i] : cols[i] + 2] = 1.0
    return x.astype(np.float32), y


def test_cnn_with_adam_learns_spot_side(rng):
    x, y = spot_images(300, rng)
    model = SmallCNN((1, 8, 8), n_classes=2, channels=(4, 8), hidden=16, generator=gen())
    h = train_classifier(model, x[:200], y[:200], TrainConfig(epochs=10, batch_size=32, lr=3e-3, optimizer="adam",
                                                              **QUIET),
                         generator=gen(1), x_val=x[200:], y_val=y[200:])
    assert h.val_acc[-1] >= 0.95 and h.epochs == 10


def test_training_is_deterministic_for_a_seed(rng):
    x, y = blobs(200, rng)
    runs = []
    for _ in range(2):
        model = MLP((1, 4, 4), hidden=(16,), n_classes=2, generator=gen(5))
        h = train_classifier(model, x, y, TrainConfig(epochs=3, batch_size=16, **QUIET), generator=gen(6))
        runs.append((model.state_dict(), h.loss))
    (sd_a, loss_a), (sd_b, loss_b) = runs
    assert loss_a == loss_b
    assert all(torch.equal(sd_a[key], sd_b[key]) for key in sd_a)
    other = MLP((1, 4, 4), hidden=(16,), n_classes=2, generator=gen(5))
    train_classifier(other, x, y, TrainConfig(epochs=3, batch_size=16, **QUIET), generator=gen(7))  # other order
    assert not torch.equal(other.state_dict()["net.1.weight"], sd_a["net.1.weight"])


class Recorder(torch.nn.Module):
    """A linear classifier that records the inputs it sees while training."""

    def __init__(self):
        super().__init__()
        self.in_shape, self.n_classes = (1, 2, 2), 2
        self.lin = torch.nn.Linear(4, 2)
        self.trained_on = []

    def forward(self, x):
        if self.training:
            self.trained_on.append(x.detach().clone())
        return self.lin(x.flatten(1))


def test_perturb_hook_output_is_what_is_trained_on(rng):
    x = rng.uniform(size=(10, 1, 2, 2)).astype(np.float32)
    y = rng.integers(0, 2, 10)
    model, calls = Recorder(), []

    def perturb(m, xb, yb):
        assert m is model and not m.training and torch.is_grad_enabled()  # eval mode, gradients on
        assert yb.shape == (xb.shape[0],)
        xb_adv = (xb + 100.0).detach()  # unmistakable: no clean pixel exceeds 1
        calls.append(xb_adv)
        return xb_adv

    with torch.no_grad():  # the hook still gets gradients
        train_classifier(model, x, y, TrainConfig(epochs=2, batch_size=4, **QUIET), generator=gen(), perturb=perturb)
    assert len(calls) == 2 * 3  # ceil(10 / 4) = 3 batches per epoch
    assert len(model.trained_on) == len(calls)
    for seen, adv in zip(model.trained_on, calls):
        assert torch.equal(seen, adv)
    assert model.training  # the mode it came in with


def test_perturb_must_keep_the_shape(rng):
    x, y = blobs(20, rng)
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    with pytest.raises(ValueError, match="perturb must return"):
        train_classifier(model, x, y, TrainConfig(epochs=1, **QUIET), generator=gen(),
                         perturb=lambda m, xb, yb: xb[:1])


def test_callback_runs_at_epochs_0_to_E_and_can_stop(rng):
    x, y = blobs(40, rng)
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    seen = []

    def callback(epoch, m, history):
        seen.append((epoch, m.training, history.epochs, len(history.loss)))

    h = train_classifier(model, x, y, TrainConfig(epochs=3, batch_size=8, **QUIET), generator=gen(), callback=callback)
    assert seen == [(0, False, 0, 0), (1, False, 1, 1), (2, False, 2, 2), (3, False, 3, 3)]
    assert h.epochs == 3 and not h.stopped_early
    h = train_classifier(model, x, y, TrainConfig(epochs=5, **QUIET), generator=gen(),
                         callback=lambda epoch, m, hist: epoch == 2)
    assert h.stopped_early and h.epochs == 2 and len(h.loss) == 2


def test_autoencoder_training_lowers_reconstruction_error(rng):
    """Images from a 2-D latent family; the AE's MSE falls well below its value at initialisation."""
    t = rng.uniform(0.2, 0.8, size=(256, 2))  # (N, 2) latent positions of a bright blob
    g = np.linspace(0, 1, 8)
    img = np.exp(-((g[None, :, None] - t[:, 0, None, None]) ** 2 + (g[None, None, :] - t[:, 1, None, None]) ** 2)
                 / 0.05)  # (N, 8, 8)
    x = img[:, None].astype(np.float32)  # (N, 1, 8, 8)
    ae = ConvAutoencoder((1, 8, 8), k=2, channels=(8, 16), generator=gen())
    start = {}

    def at_init(epoch, m, history):
        if epoch == 0:
            with torch.no_grad():
                start["mse"] = float(((m(torch.from_numpy(x)) - torch.from_numpy(x)) ** 2).mean())

    h = train_autoencoder(ae, x, TrainConfig(epochs=30, batch_size=32, lr=3e-3, optimizer="adam", **QUIET),
                          generator=gen(), callback=at_init)
    assert h.train_acc == [] and len(h.loss) == 30
    assert h.loss[-1] < 0.5 * start["mse"]


def test_predict_and_evaluate(rng):
    x, y = blobs(50, rng)
    model = MLP((1, 4, 4), hidden=(8,), n_classes=2, generator=gen())
    model.train()
    labels = predict(model, x, batch_size=7)
    assert model.training  # mode restored
    with torch.no_grad():
        want = model(torch.from_numpy(x)).argmax(dim=1)
    assert labels.dtype == torch.int64 and torch.equal(labels, want)
    assert evaluate(model, x, labels.numpy()) == 1.0
    assert evaluate(model, x, 1 - labels) == 0.0  # two classes: the other label is always wrong


def test_training_bad_input(rng):
    x, y = blobs(20, rng)
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    cfg = TrainConfig(epochs=1, **QUIET)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 4, 4\)"):
        train_classifier(model, x.reshape(len(x), -1), y, cfg, generator=gen())
    with pytest.raises(ValueError, match="labels outside 0..1"):
        train_classifier(model, x, y + 5, cfg, generator=gen())
    with pytest.raises(ValueError, match="must have 20 labels"):
        train_classifier(model, x, y[:3], cfg, generator=gen())
    with pytest.raises(ValueError, match="x_val and y_val"):
        train_classifier(model, x, y, cfg, generator=gen(), x_val=x)
    with pytest.raises(TypeError, match="generator"):
        train_classifier(model, x, y, cfg, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="TrainConfig"):
        train_classifier(model, x, y, {"epochs": 1}, generator=gen())
    with pytest.raises(ValueError, match="NaN"):
        train_classifier(model, np.full_like(x, np.nan), y, cfg, generator=gen())
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="batch_size=0"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="lr=-0.1"):
        TrainConfig(lr=-0.1)



@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_single_nan_or_inf_in_an_image_tensor_is_refused(rng, bad):
    x, y = blobs(20, rng)
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    x_t = torch.from_numpy(x).clone()
    x_t[7, 0, 2, 3] = bad  # one pixel of one image
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        train_classifier(model, x_t, y, TrainConfig(epochs=1, **QUIET), generator=gen())
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        predict(model, x_t)


def test_finite_images_whose_sum_overflows_are_accepted(rng):
    """The finiteness check sums x first; a sum that overflows to inf must not be taken for an inf pixel."""
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    x = torch.full((3, 1, 4, 4), 3e38)  # float32: every value finite, their sum is not
    assert not torch.isfinite(x.sum())
    assert predict(model, x).shape == (3,)

# ---------------------------------------------------------------- a loss that becomes NaN or inf
def test_a_diverging_learning_rate_stops_training_with_the_epoch_batch_and_lr(rng):
    x, y = blobs(40, rng)
    model = MLP((1, 4, 4), hidden=(8,), n_classes=2, generator=gen())
    cfg = TrainConfig(epochs=5, batch_size=20, lr=1e38, **QUIET)
    with pytest.raises(FloatingPointError, match=r"training diverged at epoch \d+, batch \d+ of 2 \(the loss became "
                                                 r"(nan|inf)\); lower lr \(now 1e\+38, optimizer 'sgd'\)"):
        train_classifier(model, x, y, cfg, generator=gen())
    assert model.training  # the mode is restored on the way out


def test_the_divergence_check_passes_a_sane_learning_rate(rng):
    """Negative control: the same loop at lr 0.1 trains to the end with a finite loss."""
    x, y = blobs(40, rng)
    model = MLP((1, 4, 4), hidden=(8,), n_classes=2, generator=gen())
    history = train_classifier(model, x, y, TrainConfig(epochs=3, batch_size=20, lr=0.1, **QUIET), generator=gen())
    assert history.epochs == 3 and all(math.isfinite(v) for v in history.loss)


def test_nan_weights_stop_the_autoencoder_before_the_first_step(rng):
    x = rng.random((8, 1, 4, 4)).astype(np.float32)
    ae = ConvAutoencoder((1, 4, 4), k=2, channels=(2, 2), generator=gen())
    with torch.no_grad():
        ae.decoder[0].bias[0] = float("nan")
    before = [p.detach().clone() for p in ae.parameters()]
    with pytest.raises(FloatingPointError, match=r"training diverged at epoch 1, batch 1 of 1 \(the loss became nan\)"):
        train_autoencoder(ae, x, TrainConfig(epochs=2, **QUIET), generator=gen())
    assert all(torch.allclose(a, b, rtol=0, atol=0, equal_nan=True) for a, b in zip(before, ae.parameters())), \
        "a step was taken with the NaN loss"


def test_a_perturb_that_returns_nan_is_named(rng):
    x, y = blobs(20, rng)
    model = MLP((1, 4, 4), hidden=(4,), n_classes=2, generator=gen())
    with pytest.raises(FloatingPointError, match=r"or check that perturb returns finite images"):
        train_classifier(model, x, y, TrainConfig(epochs=1, **QUIET), generator=gen(),
                         perturb=lambda m, xb, yb: torch.full_like(xb, float("nan")))
