"""One attack vocabulary on both tracks: fgsm, pgd and deepfool take the same arguments with the same
defaults on the numpy and the torch track (read from their signatures), describe them in the same
words (read from their docstrings), accept the same loss names, and still take the old keyword
clip= for one release, with a DeprecationWarning that names bounds=."""

import inspect
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

import dmm_edu.attacks as dispatch  # noqa: E402
from dmm_edu.attacks import torch_track  # noqa: E402
from dmm_edu.attacks._args import BOUNDS  # noqa: E402
from dmm_edu.attacks.deepfool import deepfool as np_deepfool  # noqa: E402
from dmm_edu.attacks.fgsm import fgsm as np_fgsm  # noqa: E402
from dmm_edu.attacks.pgd import pgd as np_pgd  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402

NUMPY = {"fgsm": np_fgsm, "pgd": np_pgd, "deepfool": np_deepfool}
TORCH = {"fgsm": torch_track.fgsm, "pgd": torch_track.pgd, "deepfool": torch_track.deepfool}

# the public vocabulary, keyword by keyword with its default (the same on both tracks)
BOX_AND_SPACE = {"bounds": None, "space": "free", "projector": None}
EXPECTED = {
    "fgsm": {"norm": "linf", "targeted": False, "loss": "ce", **BOX_AND_SPACE},
    "pgd": {"alpha": None, "steps": 10, "norm": "linf", "random_start": False, "restarts": 1, "rng": None,
            "targeted": False, "loss": "ce", "early_stop": False, "record_trajectory": False, **BOX_AND_SPACE},
    "deepfool": {"steps": 50, "overshoot": 0.02, **BOX_AND_SPACE},
}


def drift(f, g) -> list[str]:
    """How two attacks' parameter lists differ: names and their order, kinds, defaults (type hints
    may differ: numpy arrays on one track, tensors on the other)."""
    pf, pg = inspect.signature(f).parameters, inspect.signature(g).parameters
    out = [] if list(pf) == list(pg) else [f"parameters {list(pf)} != {list(pg)}"]
    for name in [p for p in pf if p in pg]:
        a, b = pf[name], pg[name]
        if a.kind != b.kind:
            out.append(f"{name}: kind {a.kind} != {b.kind}")
        if not (a.default is b.default or (type(a.default) is type(b.default) and a.default == b.default)):
            out.append(f"{name}: default {a.default!r} != {b.default!r}")
    return out


def keywords(f) -> dict:
    return {p.name: p.default for p in inspect.signature(f).parameters.values() if p.kind is p.KEYWORD_ONLY}


# ------------------------------------------------------------ signatures


@pytest.mark.parametrize("name", list(NUMPY))
def test_both_tracks_take_the_same_arguments_with_the_same_defaults(name):
    assert drift(NUMPY[name], TORCH[name]) == []
    assert drift(getattr(dispatch, name), TORCH[name]) == []  # the dispatcher shows the shared signature
    assert keywords(NUMPY[name]) == EXPECTED[name]
    assert keywords(TORCH[name]) == EXPECTED[name]


def test_the_box_has_one_default_and_the_classes_keep_torchattacks_box():
    assert BOUNDS is None
    for cls in (torch_track.PGD, torch_track.PGDL2, torch_track.FGSM, torch_track.DeepFool):
        assert inspect.signature(cls).parameters["bounds"].default == (0.0, 1.0)


def test_the_drift_check_can_fail():
    """Negative control: a changed default, a missing keyword, a renamed one, a keyword made positional."""

    def other_default(model, x, y, eps, *, norm="linf", targeted=False, bounds=(0.0, 1.0), loss="ce", space="free",
                      projector=None):
        pass

    def missing(model, x, y, eps, *, norm="linf", targeted=False, bounds=None, loss="ce", space="free"):
        pass

    def renamed(model, x, y, eps, *, norm="linf", targeted=False, clip=None, loss="ce", space="free", projector=None):
        pass

    def positional(model, x, y, eps, norm="linf", *, targeted=False, bounds=None, loss="ce", space="free",
                   projector=None):
        pass

    assert drift(np_fgsm, other_default) == ["bounds: default None != (0.0, 1.0)"]
    assert drift(np_fgsm, missing) and "projector" in drift(np_fgsm, missing)[0]
    assert drift(np_fgsm, renamed) and "clip" in drift(np_fgsm, renamed)[0]
    assert drift(np_fgsm, positional) == ["norm: kind KEYWORD_ONLY != POSITIONAL_OR_KEYWORD"]
    assert drift(np_fgsm, lambda model, x, y, eps, *, norm="linf", targeted=0, bounds=None, loss="ce",
                 space="free", projector=None: None) == ["targeted: default False != 0"]


# ------------------------------------------------------------ docstrings


def sections(f) -> tuple[dict, str]:
    """The Args entries {name: text} and the Returns text of a Google-style docstring, whitespace folded."""
    doc = inspect.getdoc(f)
    args_part = doc.split("Args:\n", 1)[1].split("\nReturns:\n", 1)
    args = {}
    for m in re.finditer(r"^    (\w+): (.*?)(?=^    \w+: |\Z)", args_part[0], flags=re.M | re.S):
        args[m.group(1)] = " ".join(m.group(2).split())
    return args, " ".join(args_part[1].split())


@pytest.mark.parametrize("name", list(NUMPY))
def test_both_tracks_describe_the_arguments_in_the_same_words(name):
    """Every argument but the model and the data (whose types differ) reads the same; so do the Returns."""
    (np_args, np_returns), (t_args, t_returns) = sections(NUMPY[name]), sections(TORCH[name])
    params = list(inspect.signature(NUMPY[name]).parameters)
    assert list(np_args) == params and list(t_args) == params  # every argument documented, in order
    shared = [p for p in params if p not in ("model", "x", "y")]
    assert {p: np_args[p] for p in shared} == {p: t_args[p] for p in shared}
    assert np_returns == t_returns
    assert "(numpy track)" in inspect.getdoc(NUMPY[name]).splitlines()[0]
    assert "(torch track)" in inspect.getdoc(TORCH[name]).splitlines()[0]


def test_the_docstring_check_can_fail():
    """Negative control: one changed word in one argument is found."""

    def altered():
        """Altered.

        Args:
            eps: the budget.
            norm: "linf" or "l1".

        Returns:
            Nothing.
        """

    args, returns = sections(altered)
    assert args == {"eps": "the budget.", "norm": '"linf" or "l1".'} and returns == "Nothing."
    assert sections(np_fgsm)[0]["norm"] != args["norm"]


@pytest.mark.parametrize("name", list(NUMPY))
def test_the_dispatcher_names_both_implementations(name):
    doc = inspect.getdoc(getattr(dispatch, name))
    assert f"dmm_edu.attacks.torch_track.{name}.{name}" in doc and f"dmm_edu.attacks.{name}.{name}" in doc
    assert f"dmm_edu/attacks/torch_track/{name}.py" in doc and f"dmm_edu/attacks/{name}.py" in doc
    assert "torch.nn.Module" in doc and "Args:" in doc


# ------------------------------------------------------------ the same values accepted


@pytest.fixture(scope="module")
def pair():
    """A 3-class and a one-logit tanh MLP (float64) on both tracks, inputs in (0, 1), their labels."""
    rng = np.random.default_rng(0)
    nets = {C: MLP([5, 8, C], "tanh", c=1.5, rng=rng) for C in (3, 1)}
    x = rng.uniform(0.1, 0.9, size=(12, 5))
    return nets, {C: from_numpy_mlp(net) for C, net in nets.items()}, x


@pytest.mark.parametrize("C,loss,same_as", [(3, None, "ce"), (3, "cross_entropy", "ce"), (3, "logit_margin", "margin"),
                                             (1, None, "ce"), (1, "binary_logistic", "ce"),
                                             (1, "logit_margin", "margin")])
def test_both_tracks_accept_the_same_loss_names(pair, C, loss, same_as):
    """"ce" and "margin" and their numpy_nn names on both tracks; an alias gives the very same attack."""
    nets, models, x = pair
    y = nets[C].predict(x)
    kw = dict(steps=4, norm="l2")
    a, b = np_pgd(nets[C], x, y, 0.3, loss=loss, **kw), np_pgd(nets[C], x, y, 0.3, loss=same_as, **kw)
    np.testing.assert_array_equal(a.x_adv, b.x_adv)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    at, bt = torch_track.pgd(models[C], xt, yt, 0.3, loss=loss, **kw), torch_track.pgd(models[C], xt, yt, 0.3,
                                                                                     loss=same_as, **kw)
    assert torch.equal(at.x_adv, bt.x_adv)
    np.testing.assert_allclose(at.numpy().x_adv, a.x_adv, atol=1e-10)  # and the tracks agree


@pytest.mark.parametrize("name", ["fgsm", "pgd"])
def test_both_tracks_refuse_an_unknown_loss_in_the_same_words(pair, name):
    nets, models, x = pair
    y = nets[3].predict(x)
    message = r"loss='hinge' is not accepted; choose one of \['ce', 'margin'\]"
    with pytest.raises(ValueError, match=message):
        NUMPY[name](nets[3], x, y, 0.1, loss="hinge")
    with pytest.raises(ValueError, match=message):
        TORCH[name](models[3], torch.from_numpy(x), torch.from_numpy(y), 0.1, loss="hinge")


@pytest.mark.parametrize("name", list(NUMPY))
@pytest.mark.parametrize("bounds,message", [((1.0, 0.0), r"bounds=\(1.0, 0.0\) is not accepted; expected a pair"),
                                            (1.0, r"bounds=1.0 is not accepted; expected None or a pair"),
                                            ((0.5, 1.0), r"x has values in .*, outside bounds=\(0.5, 1.0\); the")])
def test_both_tracks_refuse_a_bad_box_in_the_same_words(pair, name, bounds, message):
    nets, models, x = pair
    y = nets[3].predict(x)
    args = () if name == "deepfool" else (0.1,)
    with pytest.raises(ValueError, match=message):
        NUMPY[name](nets[3], x, y, *args, bounds=bounds)
    with pytest.raises(ValueError, match=message):
        TORCH[name](models[3], torch.from_numpy(x), torch.from_numpy(y), *args, bounds=bounds)


# ------------------------------------------------------------ clip=, the old name of bounds=


def call(f, name, model, x, y, **kw):
    return f(model, x, y, **kw) if name == "deepfool" else f(model, x, y, 0.2, **kw)


@pytest.mark.parametrize("name", list(NUMPY))
@pytest.mark.parametrize("track", ["numpy", "torch", "dispatch numpy", "dispatch torch"])
def test_clip_still_works_warns_and_gives_the_bounds_result(pair, name, track):
    nets, models, x = pair
    y = nets[3].predict(x)
    on_torch = track.endswith("torch")
    model, xs, ys = (models[3], torch.from_numpy(x), torch.from_numpy(y)) if on_torch else (nets[3], x, y)
    f = getattr(dispatch, name) if track.startswith("dispatch") else (TORCH if on_torch else NUMPY)[name]
    with pytest.warns(DeprecationWarning, match=rf"{name}\(clip=...\) is deprecated .*pass bounds=") as caught:
        old = call(f, name, model, xs, ys, clip=(0.0, 1.0))
    assert len(caught) == 1 and caught[0].filename == __file__  # it points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # bounds= itself is silent
        new = call(f, name, model, xs, ys, bounds=(0.0, 1.0))
    np.testing.assert_array_equal(old.numpy().x_adv, new.numpy().x_adv)
    np.testing.assert_array_equal(old.numpy().steps, new.numpy().steps)
    with pytest.raises(TypeError, match=r"got both clip= and bounds=; pass bounds= only"):
        call(f, name, model, xs, ys, clip=(0.0, 1.0), bounds=(0.0, 1.0))
