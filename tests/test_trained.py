"""A trained classifier kept between experiments (`dmm_edu.experiments._trained`): loading it must give
what training gives, weights and generator state alike, and nothing else may be loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dmm_edu.experiments import _images, _trained  # noqa: E402
from dmm_edu.experiments._images import ImageRecipe, load_images, torch_generator, train_model  # noqa: E402
from dmm_edu.experiments.base import run_experiment  # noqa: E402

RECIPE = ImageRecipe(n_per_class=20, epochs=1, hidden=(16,))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def trainings(monkeypatch):
    """The number of classifier trainings that really ran."""
    count = []
    real = _images.train_classifier

    def counted(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_images, "train_classifier", counted)
    return count


def _train(seed: int, recipe: ImageRecipe = RECIPE):
    rng = np.random.default_rng(seed)
    train, _ = load_images(recipe, rng)
    generator = torch_generator(rng)
    model = train_model(recipe, train, generator)
    return model, generator


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_second_request_loads_the_same_weights_and_leaves_the_generator_where_training_left_it(cache, trainings):
    first, g1 = _train(0)
    second, g2 = _train(0)
    assert len(trainings) == 1  # the second one was loaded
    assert _same_weights(first, second)
    assert torch.equal(g1.get_state(), g2.get_state())
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))  # the draws after training agree
    assert not second.training  # returned in eval mode, as a trained one


def test_other_draws_or_another_recipe_train_again(cache, trainings):
    a, _ = _train(0)
    b, _ = _train(1)  # another generator state (and another subset of the digits)
    c, _ = _train(0, ImageRecipe(n_per_class=20, epochs=1, hidden=(16,), lr=0.02))  # another learning rate
    assert len(trainings) == 3
    assert not _same_weights(a, b) and not _same_weights(a, c)


def test_a_damaged_entry_is_trained_again_and_replaced(cache, trainings):
    first, _ = _train(0)
    (entry,) = (cache / _trained.KIND).glob("*.pt")
    entry.write_bytes(entry.read_bytes()[:100])  # a truncated file
    second, _ = _train(0)
    assert len(trainings) == 2 and _same_weights(first, second)
    third, _ = _train(0)
    assert len(trainings) == 2 and _same_weights(first, third)  # the replaced entry is whole again


def test_a_cache_that_cannot_be_written_only_costs_the_shortcut(tmp_path, monkeypatch, trainings):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DMM_EDU_CACHE", str(blocker))  # models/ cannot be made under a file
    first, _ = _train(0)
    second, _ = _train(0)
    assert len(trainings) == 2 and _same_weights(first, second)


def test_e7_after_e6_computes_what_e7_computes_alone(tmp_path, monkeypatch):
    """The book's case: E6 trains the network, E7 (same seed, same recipe) loads it and goes on drawing from
    the generator where training left it; every number and array equals an E7 run in an empty cache."""
    small = {"n_per_class": 60, "epochs": 1, "n_attack": 12}  # the same recipe, smaller than smoke: 3 runs here
    e7_small = {**small, "ae_epochs": 1, "pgd_steps": 60, "pgd_ladder_steps": 10}
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "shared"))
    run_experiment("E6", "smoke", seed=5, **small)
    assert len(list((tmp_path / "shared" / _trained.KIND).glob("*.pt"))) == 1
    after_e6 = run_experiment("E7", "smoke", seed=5, **e7_small)
    assert len(list((tmp_path / "shared" / _trained.KIND).glob("*.pt"))) == 1  # E7 loaded E6's, trained none
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "empty"))
    alone = run_experiment("E7", "smoke", seed=5, **e7_small)
    assert json.dumps(after_e6.metrics, sort_keys=True, default=str) == json.dumps(alone.metrics, sort_keys=True,
                                                                                   default=str)
    assert after_e6.arrays.keys() == alone.arrays.keys()
    for name in alone.arrays:
        np.testing.assert_array_equal(after_e6.arrays[name], alone.arrays[name], err_msg=name)
