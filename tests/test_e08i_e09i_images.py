"""E8i and E9i on real images (bundled MNIST, smoke profile): the boundary over training and adversarial
training, each against its random baselines; the recorded checks; saved results and figures drawn from
them alone; bad settings; the full path on tiny generated MNIST files served from a file:// mirror."""

import dataclasses
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from plot_checks import check_never_trains_or_attacks, check_save_figures  # noqa: E402
from smoke_runs import book, smoke  # noqa: E402

from dmm_edu.experiments import e08i_cling_images as e08i  # noqa: E402
from dmm_edu.experiments import e09i_adversarial_training_images as e09i  # noqa: E402
from dmm_edu.experiments.base import run_experiment  # noqa: E402
from dmm_edu.plots import FIGURES, plot  # noqa: E402

K, N = 16, 784  # the tangent dimension and MNIST's pixel count


# ---------------------------------------------------------------- E8i: what the baselines fix
@pytest.mark.parametrize("seed", [0, 1, pytest.param(2, marks=pytest.mark.slow)])
def test_e8i_at_init_the_boundary_is_randomly_oriented(seed):
    """At init the network's boundary has no relation to the images' manifold: over all fixed points,
    on(d_free) ≈ √(k/n) and d_on/d_free ≈ √(n/k), d_off ≈ d_free (a generic k-dim subspace; bands as in
    E6: on² ~ Beta(k/2, (n-k)/2) has relative sd ≈ 1/√(2k) = 0.18, plus DeepFool's slack)."""
    m = smoke("E8i", seed).metrics
    assert m["epochs"][0] == 0
    assert 0.6 < m["on_delta_all"][0] / math.sqrt(K / N) < 1.6
    assert 0.5 < (m["d_on_all"][0] / m["d_free_all"][0]) / math.sqrt(N / K) < 2.0
    assert 0.95 < m["d_off_all"][0] / m["d_free_all"][0] < 1.1  # 16 of 784 dimensions barely matter


@pytest.mark.parametrize("seed", [0, 1, pytest.param(2, marks=pytest.mark.slow)])
def test_e8i_training_turns_the_boundary_but_not_against_a_random_frame(seed):
    """Trained, the PCA tangent is special (E6's check, at the last epoch) while a random k-frame stays
    generic at every epoch: the control shows the effect is the tangent's, not the attack's."""
    m = smoke("E8i", seed).metrics
    assert m["test_accuracy"][-1] > 0.75 and m["test_accuracy"][-1] > m["test_accuracy"][0] + 0.5
    assert m["on_delta"][-1] > m["baseline_on"] + 0.1
    assert m["d_on_over_d_free"][-1] < 0.5 * m["baseline_d_on_over_d_free"]
    trained = np.array(m["epochs"]) >= 1
    for r in np.array(m["random_frame_d_on_over_d_free"])[trained]:
        assert 0.5 < r / m["baseline_d_on_over_d_free"] < 2.0
    d_free, d_on, d_off = (np.array(m[s])[trained] for s in ("d_free", "d_on", "d_off"))
    assert np.all(d_free <= 1.05 * np.minimum(d_on, d_off))  # the free minimum is never much longer


def test_e8i_checks_record_what_the_numbers_say():
    m = smoke("E8i", 0).metrics
    e = np.array(m["epochs"])
    ratio = np.array(m["d_off_over_d_on"])[e >= 1]
    c = m["checks"]
    assert c["d_off_over_d_on_below_0.8_every_trained_epoch"] == bool(np.all(ratio < 0.8))
    assert c["d_off_below_d_on_every_trained_epoch"] == bool(np.all(ratio < 1))
    assert c["d_off_below_d_on_at_the_last_epoch"] == bool(ratio[-1] < 1)
    assert c["d_free_falls_over_training"] == bool(m["d_free"][-1] < np.array(m["d_free"])[e >= 1][0])
    k = m["karner"]
    assert k["published"] == [0.9, 0.65] and k["published_epochs"] == [1, 40]
    assert "DeepFool" in k["reason"] and "not 1 → 40" in k["reason"]  # the smoke run differs and says how


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_e8i_once_the_network_fits_the_boundary_moves_towards_clinging(seed):
    """The DMM's direction in time (C2): after the network first fits the task (test accuracy >= 0.8), the
    boundary comes closer along the normal relative to within the manifold, so d_off/d_on falls.
    (The DMM's stronger form, d_off ≪ d_on from the first epochs, is recorded in checks, not asserted.)"""
    m = smoke("E8i", seed, n_per_class=300, epochs=10).metrics
    assert m["test_accuracy"][-1] > 0.9
    assert m["checks"]["d_off_over_d_on_falls_after_accuracy_0.8"]


def test_e8i_result_shapes_and_epochs():
    r = smoke("E8i", 0)
    E = len(r.metrics["epochs"])
    assert r.metrics["epochs"] == [0, 1, 2, 5]  # 1-2-5 up to epochs = 5
    for name in e08i.CURVES:
        assert r.arrays[name].shape == (E,) and len(r.metrics[name]) == E
    assert all(0 < n <= r.metrics["n_fixed_points"] for n in r.metrics["n_correct"][1:])
    assert e08i.measure_epochs(dataclasses.replace(e08i.CONFIGS["book"], epochs=40)) == (0, 1, 2, 5, 10, 20, 40)
    assert e08i.measure_epochs(dataclasses.replace(e08i.CONFIGS["book"], measure_epochs=(0, 3))) == (0, 3)


# ---------------------------------------------------------------- E9i
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_e9i_adversarial_training_moves_the_boundary_off_the_manifold_more_than_along_it(seed):
    """C9: AT pushes the boundary out along the normal more than within the manifold (a uniform push
    would give equal ratios), and it does buy robustness at its eps."""
    m = smoke("E9i", seed).metrics
    assert m["ratio_d_off"] > m["ratio_d_on"]
    assert m["ratio_d_off"] > 1.5
    assert m["adversarial"]["robust_accuracy"] > m["standard"]["robust_accuracy"]
    assert m["n_measured"] >= 30
    assert m["checks"]["d_off_ratio_above_d_on_ratio"]
    assert m["checks"]["d_off_ratio_above_2"] == (m["ratio_d_off"] > 2)  # recorded, whichever way it went
    assert m["checks"]["d_on_ratio_in_0.7_1.5"] == (0.7 <= m["ratio_d_on"] <= 1.5)


def test_e9i_boundary_angle_summary_is_read_from_the_saved_arrays():
    """θ (sin θ = on(δ_free), PCA tangent) lies in [0°, 90°]; each network's summary is a direct computation
    over the points both networks were measured at, and the change is the difference of the medians."""
    from dmm_edu.boundary.cling import boundary_angle

    r = smoke("E9i", 0)
    both = r.arrays["measured"]
    med = {}
    for name in ("standard", "adversarial"):
        theta = boundary_angle(r.arrays[f"on_delta_{name}"][both])
        assert np.all(np.isfinite(theta)) and np.all((theta >= 0) & (theta <= 90))
        a = r.metrics[name]["boundary_angle"]
        assert a["n"] == theta.size == r.metrics["n_measured"]
        np.testing.assert_allclose([a["q25"], a["median"], a["q75"]], np.quantile(theta, [0.25, 0.5, 0.75]))
        assert a["wall_share"] == np.mean(theta > 60) and a["sheet_share"] == np.mean(theta < 30)
        med[name] = a["median"]
    assert r.metrics["boundary_angle_change"] == pytest.approx(med["adversarial"] - med["standard"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_e9i_adversarial_training_turns_the_boundary_steeper_on_the_book_profile(seed):
    """The claim's check: AT's median θ to the PCA tangent is above the standard network's. (Whether it
    passes 60°, wall-like as in the toy, is not decided at this size: seeds 0 and 1 straddle it.)"""
    m = book("E9i", seed).metrics
    assert m["boundary_angle_change"] > 0


def test_e9i_eps_follows_the_standard_networks_median_d_free():
    m = smoke("E9i", 0).metrics
    assert m["eps_chosen_from_d_free"]
    assert m["alpha"] == pytest.approx(2.5 * m["eps"] / 5)
    # eps = median d_free of the standard net at its attacked points; those later measured are a subset,
    # so their median is close but not equal
    assert 0.5 < m["eps"] / m["standard"]["d_free"] < 2.0
    for name in ("standard", "adversarial"):
        assert m[name]["test_accuracy"] > 0.75
        assert 0.5 < m[name]["random_frame"]["d_on_over_d_free"] / m["baseline_d_on_over_d_free"] < 2.0


def test_e9i_pgd_perturb_stays_in_the_ball_and_the_box(rng):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    x = torch.from_numpy(rng.uniform(0, 1, size=(8, 1, 4, 4))).float()  # (8, 1, 4, 4)
    y = torch.from_numpy(rng.integers(0, 3, size=8))
    x_adv = e09i.pgd_l2_perturb(0.3, 5, 0.15, torch.Generator().manual_seed(0))(model, x, y)
    norms = torch.linalg.vector_norm((x_adv - x).reshape(8, -1), dim=1)
    assert torch.all(norms <= 0.3 + 1e-5) and torch.all(norms > 0)
    assert float(x_adv.min()) >= 0 and float(x_adv.max()) <= 1


# ---------------------------------------------------------------- saved results and figures
def test_results_save_and_load(tmp_path):
    from dmm_edu.results import load_result, save_result

    for e in ("E8i", "E9i"):
        r = smoke(e, 0)
        save_result(r, tmp_path / e)
        back = load_result(tmp_path / e)
        assert back.metrics == r.metrics
        for key, a in r.arrays.items():
            np.testing.assert_array_equal(back.arrays[key], a)


def test_figures_are_registered_and_draw_what_the_result_says():
    assert list(FIGURES["E8i"]) == ["cling"] and list(FIGURES["E9i"]) == ["deepening"]
    r8 = smoke("E8i", 0)
    fig = plot(r8, "cling")
    fig.canvas.draw()
    assert len(fig.axes) == 3 and all(ax.has_data() for ax in fig.axes)
    np.testing.assert_allclose(fig.axes[0].get_lines()[2].get_ydata(), r8.arrays["d_off"])
    r9 = smoke("E9i", 0)
    fig = plot(r9, "deepening")
    fig.canvas.draw()
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights[:3], [r9.metrics["standard"][s] for s in ("d_free", "d_on", "d_off")])
    assert "E9i" in fig.get_suptitle()


def test_figures_save_and_never_train_or_attack(tmp_path, monkeypatch):
    results = {"E8i": smoke("E8i", 0), "E9i": smoke("E9i", 0)}
    check_save_figures(results, ("E8i", "E9i"), tmp_path / "png")
    import dmm_edu.experiments._images as images_helpers  # E9i's adversarial training attacks through it
    import dmm_edu.torch_nn.train as torch_train

    def forbidden(*args, **kwargs):
        raise AssertionError("a plot function trained or attacked")

    for module, name in ((e08i, "deepfool"), (e08i, "train_classifier"), (e09i, "deepfool"), (images_helpers, "pgd"),
                         (e09i, "train_classifier"), (torch_train, "train_classifier")):
        monkeypatch.setattr(module, name, forbidden)
    check_never_trains_or_attacks(results, ("E8i", "E9i"), tmp_path / "saved", monkeypatch)


# ---------------------------------------------------------------- bad settings
@pytest.mark.parametrize("bad", [(0, 2, 1), (0, 9), (), (-1, 2)])
def test_e8i_bad_measure_epochs_are_named(bad):
    with pytest.raises(ValueError, match="measure_epochs"):
        run_experiment("E8i", "smoke", measure_epochs=bad)


@pytest.mark.parametrize("field, value", [("eps", -1.0), ("eps_over_d_free", 0.0), ("at_steps", 0),
                                          ("robust_steps", 1.5)])
def test_e9i_bad_settings_are_named(field, value):
    with pytest.raises(ValueError, match=field):
        run_experiment("E9i", "smoke", **{field: value})


def test_bad_model_and_unknown_field_are_named():
    with pytest.raises(ValueError, match="model='resnet'"):
        run_experiment("E8i", "smoke", model="resnet")
    with pytest.raises(ValueError, match="unknown config field"):
        run_experiment("E9i", "smoke", epsilon=1.0)


# ---------------------------------------------------------------- the full path on tiny generated files


def test_full_path_downloads_mnist_and_runs_both(fake_mnist):
    config8 = dataclasses.replace(e08i.CONFIGS["full"], epochs=4, n_attack=20, device="cpu", k=4)
    assert config8.dataset == "mnist" and config8.download
    metrics, arrays = e08i.run(config8, np.random.default_rng(0))
    assert (fake_mnist / "datasets" / "mnist" / "t10k-images-idx3-ubyte.gz").exists()  # fetched from the mirror
    assert metrics["dataset"] == "mnist" and metrics["epochs"] == [0, 1, 2, 4]
    assert metrics["n_correct"][-1] >= 1 and math.isfinite(metrics["d_free"][-1])
    assert "another dataset" not in metrics["karner"]["reason"]  # MNIST and Karner's MLP: only epochs and tool differ

    config9 = dataclasses.replace(e09i.CONFIGS["full"], epochs=3, at_steps=2, n_attack=20, n_robust=20, device="cpu",
                                  k=4)
    metrics, arrays = e09i.run(config9, np.random.default_rng(0))
    assert metrics["dataset"] == "mnist" and metrics["n_measured"] >= 1
    assert all(math.isfinite(metrics[f"ratio_d_{s}"]) for s in ("free", "on", "off"))
    assert arrays["measured"].shape == arrays["labels"].shape


def test_e9i_says_why_when_no_test_digit_is_left_to_measure(monkeypatch):
    """Adversarial training that collapses (no test digit classified correctly by both networks) stops with
    a message naming the accuracies and what to change, not inside an attack on zero inputs."""
    monkeypatch.setattr(e09i, "predict", lambda model, x: torch.full((len(x),), -1))  # no label ever matches
    with pytest.raises(ValueError, match=r"E9i: no test image is classified correctly by both networks .*"
                                         r"try more epochs or a smaller lr"):
        run_experiment("E9i", "smoke", seed=0, n_per_class=10, epochs=1)
