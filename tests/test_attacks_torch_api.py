"""How the torch-track attacks treat the model and the caller: eval mode set and restored, no
gradients left on the parameters, an outer no_grad, the torchattacks-style classes, the
numpy <-> torch network conversion, and a clear error for every kind of bad input."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks.torch_track import FGSM, PGD, PGDL2, DeepFool, deepfool, fgsm, pgd  # noqa: E402
from dmm_edu.manifold import SubspaceProjector  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp, to_numpy_mlp  # noqa: E402

ATTACKS = {"fgsm": lambda m, x, y, **kw: fgsm(m, x, y, 0.1, **kw),
           "pgd": lambda m, x, y, **kw: pgd(m, x, y, 0.1, steps=3, **kw),
           "deepfool": lambda m, x, y, **kw: deepfool(m, x, y, **kw)}


def net(sizes=(4, 8, 3), seed=0, activation="tanh", dtype=np.float64):
    return from_numpy_mlp(MLP(list(sizes), activation, c=1.5, rng=np.random.default_rng(seed), dtype=dtype))


@pytest.fixture
def setup():
    model = net()
    x = torch.rand(5, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        y = model(x).argmax(1)
    return model, x, y


class DropBN(torch.nn.Module):
    """Dropout and BatchNorm: in train mode the output is random and the running statistics move."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 8, dtype=torch.float64)
        self.bn = torch.nn.BatchNorm1d(8, dtype=torch.float64)
        self.drop = torch.nn.Dropout(0.5)
        self.out = torch.nn.Linear(8, 3, dtype=torch.float64)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.out(self.drop(torch.relu(self.bn(self.lin(x)))))


# ------------------------------------------------------------ the model's state and the caller's


@pytest.mark.parametrize("name", list(ATTACKS))
def test_eval_mode_is_set_and_every_module_flag_restored(name, setup):
    _, x, y = setup
    torch.manual_seed(0)  # the test's own weights
    model = DropBN()
    model.train()
    model.drop.eval()  # a mixed state must come back as it was
    stats = model.bn.running_mean.clone()
    a, b = ATTACKS[name](model, x, y), ATTACKS[name](model, x, y)
    assert torch.equal(a.x_adv, b.x_adv)  # no dropout noise: evaluated in eval mode
    assert torch.equal(model.bn.running_mean, stats)  # BatchNorm statistics untouched
    assert model.training and model.lin.training and model.bn.training and not model.drop.training


def test_the_modes_are_restored_when_the_attack_fails(setup):
    _, x, y = setup
    model = DropBN().train()

    def explode(module, args):
        if model.calls > 2:
            raise RuntimeError("boom")

    model.register_forward_pre_hook(explode)
    with pytest.raises(RuntimeError, match="boom"):
        pgd(model, x, y, 0.1, steps=5)
    assert model.training and model.bn.training and model.drop.training


@pytest.mark.parametrize("name", list(ATTACKS))
def test_no_gradient_lands_on_the_parameters_and_an_outer_no_grad_is_fine(name, setup):
    model, x, y = setup
    free = ATTACKS[name](model, x, y)
    with torch.no_grad():
        inside = ATTACKS[name](model, x, y)
    torch.testing.assert_close(inside.x_adv, free.x_adv, rtol=0, atol=0)
    assert all(p.grad is None for p in model.parameters())
    assert not inside.x_adv.requires_grad and not inside.delta.requires_grad


@pytest.mark.parametrize("name", list(ATTACKS))
def test_x_is_never_modified_even_when_it_requires_grad(name, setup):
    model, x, y = setup
    x = x.clone().requires_grad_(True)
    before = x.detach().clone()
    res = ATTACKS[name](model, x, y)
    assert torch.equal(x.detach(), before) and x.grad is None
    assert res.x_adv.data_ptr() != x.data_ptr()


def test_a_one_logit_model_is_a_binary_classifier():
    model = net((3, 5, 1))
    x = torch.rand(20, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        y = (model(x)[:, 0] > 0).long()
    for res in (fgsm(model, x, y, 0.5), pgd(model, x, y, 0.5, norm="l2"), deepfool(model, x)):
        with torch.no_grad():
            pred = (model(res.x_adv)[:, 0] > 0).long()
        assert torch.equal(res.success, pred != y)
    with pytest.raises(ValueError, match=r"y contains label 2; accepted labels are 0..1"):
        pgd(model, x, torch.full((20,), 2), 0.1)


# ------------------------------------------------------------ the torchattacks-style classes


def test_the_classes_have_torchattacks_defaults_and_call_style(setup):
    model, x, y = setup
    pgd_linf, pgd_l2, one, df = PGD(model), PGDL2(model), FGSM(model), DeepFool(model)
    assert (pgd_linf.eps, pgd_linf.alpha, pgd_linf.steps, pgd_linf.random_start) == (8 / 255, 2 / 255, 10, True)
    assert (pgd_l2.eps, pgd_l2.alpha, pgd_l2.steps, pgd_l2.random_start) == (1.0, 0.2, 10, True)
    assert one.eps == 8 / 255 and (df.steps, df.overshoot) == (50, 0.02)
    adv = pgd_linf(x, y)
    assert isinstance(adv, torch.Tensor) and adv.shape == x.shape
    ref = pgd(model, x, y, 8 / 255, alpha=2 / 255, steps=10, random_start=True, rng=torch.Generator().manual_seed(0),
              bounds=(0.0, 1.0))  # the classes keep torchattacks' box
    assert torch.equal(adv, ref.x_adv)  # default seed 0, documented
    assert torch.equal(PGD(model)(x, y), adv)  # a fresh attack, the same images
    assert torch.equal(PGD(model, seed=3)(x, y), PGD(model, rng=torch.Generator().manual_seed(3))(x, y))
    assert torch.equal(one(x, y), fgsm(model, x, y, 8 / 255, bounds=(0.0, 1.0)).x_adv)
    assert torch.equal(df(x, y), deepfool(model, x, y, bounds=(0.0, 1.0)).x_adv)
    assert torch.equal(pgd_l2.run(x, y).success, PGDL2(model).run(x, y).success)
    assert "PGD(model=Sequential" in repr(pgd_linf)


def test_targeted_mode_by_label(setup):
    model, x, y = setup
    target = (y + 1) % 3
    atk = PGD(model, eps=0.5, alpha=0.05, steps=20, random_start=False)
    atk.set_mode_targeted_by_label()
    assert atk.targeted and atk.attack_mode == "targeted(label)"
    res = atk.run(x, target)
    assert torch.equal(res.x_adv, pgd(model, x, target, 0.5, alpha=0.05, steps=20, targeted=True,
                                      bounds=(0.0, 1.0)).x_adv)
    atk.set_mode_default()
    assert not atk.targeted and torch.equal(atk(x, y), pgd(model, x, y, 0.5, alpha=0.05, steps=20,
                                                           bounds=(0.0, 1.0)).x_adv)
    with pytest.raises(ValueError, match="DeepFool supports only the default"):
        DeepFool(model).set_mode_targeted_by_label()


def test_the_classes_check_their_arguments(setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"eps=-1(\.0)? .*>= 0"):
        PGD(model, eps=-1)
    with pytest.raises(ValueError, match=r"steps=0 .*integer >= 1"):
        PGDL2(model, steps=0)
    with pytest.raises(TypeError, match=r"rng must be a torch.Generator or None; got 0"):
        PGD(model, rng=0)
    with pytest.raises(ValueError, match=r"labels is required for PGD"):
        PGD(model)(x)
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        FGSM(object())


# ------------------------------------------------------------ numpy <-> torch networks


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_from_numpy_mlp_and_back_keep_the_logits(activation, dtype, rng):
    mlp = MLP([5, 7, 6, 3], activation, c=1.5, rng=rng, dtype=dtype)
    model = from_numpy_mlp(mlp)
    x = rng.normal(size=(9, 5)).astype(dtype)
    with torch.no_grad():
        z = model(torch.from_numpy(x)).numpy()
    assert z.dtype == dtype
    np.testing.assert_allclose(z, mlp.forward(x), rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)
    back = to_numpy_mlp(model)
    assert back.sizes == mlp.sizes and back.activation == activation and back.dtype == mlp.dtype
    for p, q in zip(back.params, mlp.params):
        np.testing.assert_array_equal(p, q)
    images = from_numpy_mlp(mlp, flatten=True)
    with torch.no_grad():
        np.testing.assert_array_equal(images(torch.from_numpy(x.reshape(9, 1, 5))).numpy(), z)
    assert to_numpy_mlp(images).sizes == mlp.sizes


def test_conversion_errors():
    with pytest.raises(TypeError, match=r"mlp must be a dmm_edu.numpy_nn.MLP"):
        from_numpy_mlp(torch.nn.Linear(2, 2))
    bad = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2), torch.nn.Tanh())
    with pytest.raises(ValueError, match=r"alternate Linear and one kind of activation.*'Tanh'\]"):
        to_numpy_mlp(bad)


# ------------------------------------------------------------ bad input: one clear error each


@pytest.mark.parametrize("name", ["fgsm", "pgd", "deepfool"])
def test_inputs_outside_the_bounds(name, setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"x has values in \[.*\], outside bounds=\(0.0, 0.5\)"):
        ATTACKS[name](model, x, y, bounds=(0.0, 0.5))


def test_the_functions_default_to_no_box_and_the_classes_to_the_unit_cube(setup):
    model, x, y = setup
    for attack in ATTACKS.values():
        assert attack(model, x + 2.0, y).x_adv.max() > 2.0  # no box: inputs outside [0, 1] are fine
    with pytest.raises(ValueError, match=r"outside bounds=\(0.0, 1.0\).*bounds=None"):
        PGD(model)(x + 2.0, y)


@pytest.mark.parametrize("bounds", [(1.0, 0.0), (0.5, 0.5), 1.0, (0.0, float("nan"))])
def test_malformed_bounds(bounds, setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"bounds.* is not accepted"):
        pgd(model, x, y, 0.1, bounds=bounds)


@pytest.mark.parametrize("name", ["fgsm", "pgd", "deepfool"])
def test_wrong_dtypes(name, setup):
    model, x, y = setup
    with pytest.raises(TypeError, match=r"x must be a float tensor .*got dtype torch.int64"):
        ATTACKS[name](model, (x * 10).long(), y)
    with pytest.raises(TypeError, match=r"x has dtype torch.float32 but the model's parameters are torch.float64"):
        ATTACKS[name](model, x.float(), y)
    with pytest.raises(TypeError, match=r"y must hold integer labels \(int64\); got dtype torch.float64"):
        ATTACKS[name](model, x, y.double())
    with pytest.raises(TypeError, match=r"x must be a float torch.Tensor of shape \(N, \*shape\); got \[\[0.5"):
        ATTACKS[name](model, [[0.5] * 4], y)


@pytest.mark.parametrize("name", ["fgsm", "pgd", "deepfool"])
def test_labels_out_of_range_or_of_the_wrong_length(name, setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"y contains label 3; accepted labels are 0..2"):
        ATTACKS[name](model, x, torch.tensor([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match=r"y contains label -1; accepted labels are 0..2"):
        ATTACKS[name](model, x, np.array([0, 1, 2, -1, 0]))
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), one label per input; got shape \(3,\)"):
        ATTACKS[name](model, x, y[:3])


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_eps_missing_negative_or_not_a_number(attack, setup):
    model, x, y = setup
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'eps'"):
        attack(model, x, y)
    with pytest.raises(ValueError, match=r"eps=-0.1 is not accepted; expected a finite number >= 0"):
        attack(model, x, y, -0.1)
    with pytest.raises(ValueError, match=r"eps=None is not accepted"):
        attack(model, x, y, None)


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_unknown_norm_and_loss(attack, setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"norm='l1' is not accepted; choose one of \['linf', 'l2'\]"):
        attack(model, x, y, 0.1, norm="l1")
    with pytest.raises(ValueError, match=r"loss='hinge' is not accepted; choose one of \['ce', 'margin'\]"):
        attack(model, x, y, 0.1, loss="hinge")


def test_pgd_argument_checks(setup):
    model, x, y = setup
    for kw, message in [({"alpha": 0.0}, r"alpha=0.0 .* > 0"), ({"steps": 0}, r"steps=0 .*integer >= 1"),
                        ({"restarts": 0}, r"restarts=0 .*integer >= 1"),
                        ({"restarts": 2}, r"restarts=2 needs random_start=True"),
                        ({"random_start": True}, r"random_start=True needs rng, an explicit torch.Generator"),
                        ({"space": "tangent"}, r"space='tangent' .*\['free', 'on', 'off'\]"),
                        ({"space": "on"}, r"space='on' is only accepted with norm='l2'"),
                        ({"early_stop": "yes"}, r"early_stop='yes' .*True or False")]:
        with pytest.raises(ValueError if "yes" not in message else TypeError, match=message):
            pgd(model, x, y, 0.1, **kw)
    with pytest.raises(TypeError, match=r"rng must be a torch.Generator.*got Generator\(PCG64\)"):
        pgd(model, x, y, 0.1, random_start=True, rng=np.random.default_rng(0))


@pytest.mark.parametrize("name", ["pgd", "deepfool"])
def test_projector_missing_of_the_wrong_kind_or_size(name, setup):
    model, x, y = setup
    kw = {"norm": "l2"} if name == "pgd" else {}
    with pytest.raises(ValueError, match=r"space='off' needs a projector"):
        ATTACKS[name](model, x, y, space="off", **kw)
    with pytest.raises(TypeError, match=r"projector must be a dmm_edu.manifold Projector"):
        ATTACKS[name](model, x, y, space="on", projector=np.eye(4), **kw)
    with pytest.raises(ValueError, match=r"works in dimension 5; x has 4 features per sample"):
        ATTACKS[name](model, x, y, space="on", projector=SubspaceProjector(np.eye(5)[:, :2]), **kw)


def test_deepfool_argument_checks(setup):
    model, x, y = setup
    with pytest.raises(ValueError, match=r"overshoot=2 .*\[0.0, 1.0\]"):
        deepfool(model, x, overshoot=2)
    with pytest.raises(ValueError, match=r"steps=0 .*integer >= 1"):
        deepfool(model, x, steps=0)


def test_bad_models_and_bad_values(setup):
    model, x, y = setup
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        pgd(lambda v: v, x, y, 0.1)
    bad_output = torch.nn.Sequential(model, torch.nn.Unflatten(1, (3, 1)))  # logits (N, 3, 1)
    message = rf"model must map x \(N, \*shape\) to logits \(N, C\).* returned \({len(x)}, 3, 1\)"
    for attack in ATTACKS.values():
        with pytest.raises(ValueError, match=message):
            attack(bad_output, x, y)
    nan = x.clone()
    nan[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(1 entries\)"):
        fgsm(model, nan, y, 0.1)
    with pytest.raises(ValueError, match=r"x must have shape \(N, \*shape\)"):
        fgsm(model, x[0], y, 0.1)
    with pytest.raises(ValueError, match=r"x has no samples"):
        pgd(model, x[:0], y[:0], 0.1)
