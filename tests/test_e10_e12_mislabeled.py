"""E10 and E12: networks trained only on wrong labels still classify clean images (C8), on real images.

E10 (Ilyas et al.'s construction): N2 trained on N1's targeted adversarial images labelled with the
target; E12 (Wallace's control): N2 trained on an early N1's wrong labels of unmodified images. Smoke
profiles across seeds, the published numbers, bad configs, the full path on a tiny generated MNIST
served from a file:// mirror, and the figures (drawn from saved results only)."""

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from plot_checks import check_never_trains_or_attacks, check_save_figures  # noqa: E402
from smoke_runs import book, smoke  # noqa: E402

from dmm_edu.experiments import _mislabeled_images as mislabeled_images  # noqa: E402
from dmm_edu.experiments import e10_mislabeled_images as e10  # noqa: E402
from dmm_edu.experiments import e12_wallace_control as e12  # noqa: E402
from dmm_edu.experiments.base import run_experiment  # noqa: E402
from dmm_edu.plots import FIGURES, plot  # noqa: E402

C = 10  # MNIST's classes


# ---------------------------------------------------------------- E10, across seeds
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e10_random_targets_still_teach_the_clean_task(seed):
    r = smoke("E10", seed)
    m, small, large = r.metrics, min(r.config["eps"]), max(r.config["eps"])
    rand_large, rand_small, det_small = m[f"rand_eps{large:g}"], m[f"rand_eps{small:g}"], m[f"det_eps{small:g}"]
    assert rand_large["N2_test_accuracy"] >= 2 * m["chance"]  # C8: far above chance, from wrong labels only
    assert det_small["N2_test_accuracy"] < rand_small["N2_test_accuracy"]
    assert m["checks"][f"rand_eps{large:g}_at_least_2x_chance"] and m["checks"][f"det_below_rand_at_eps{small:g}"]
    # the recorded checks say what the numbers say, whether or not they hold
    assert m["checks"][f"rand_eps{large:g}_at_least_0.8"] == (rand_large["N2_test_accuracy"] >= 0.8)
    assert m["checks"][f"det_eps{small:g}_at_most_0.1"] == (det_small["N2_test_accuracy"] <= 0.1)


@pytest.mark.parametrize("seed", [0, 1])
def test_e10_where_the_attack_fails_d_det_teaches_the_shifted_labels(seed):
    """eps 0.5 lies below MNIST's minimal L2 distances (~1-1.5), so x + δ ≈ x labelled y + 1: N2 learns the
    permutation y ↦ y + 1 and is nearly always wrong on the true labels."""
    m = smoke("E10", seed).metrics
    det = m["det_eps0.5"]
    assert det["attack_success"] < 0.1  # the premise
    assert det["N2_test_says_y_plus_1"] > 0.5
    assert det["N2_test_accuracy"] <= 0.1  # the check at the small eps


@pytest.mark.parametrize("seed", [0, 1])
def test_e10_labels_are_wrong_and_perturbations_stay_in_the_budget(seed):
    r = smoke("E10", seed)
    m, n = r.metrics, r.metrics["n_train"]
    sd = np.sqrt(0.1 * 0.9 / n)  # binomial sd of the share t = y under D_rand
    for k in m["tags"]:
        assert m[k]["delta_norm_median"] <= m[k]["eps"] * (1 + 1e-5)
        if m[k]["rule"] == "det":
            assert m[k]["t_equals_y"] == 0.0
        else:  # t drawn over all classes: t = y for 1/C of the images
            assert abs(m[k]["t_equals_y"] - m["chance"]) < 5 * sd
    for rule in r.config["rules"]:  # a larger ball reaches the target more often
        assert m[f"{rule}_eps2"]["attack_success"] > m[f"{rule}_eps0.5"]["attack_success"]
    for k in m["tags"]:
        np.testing.assert_allclose(m[k]["N2_test_accuracy"], np.mean(r.arrays[f"N2_pred_{k}"] == r.arrays["y_test"]))


@pytest.mark.parametrize("seed", [0, 1])
def test_e10_the_judge_and_on_delta_are_shares_in_range(seed):
    """Does x + δ still look like x: the robust judge's shares over the changed images sum to 1, on(δ) is a
    fraction, the baseline is sqrt(k/n), and the recorded checks say what the numbers say."""
    r = smoke("E10", seed)
    m, large = r.metrics, max(r.config["eps"])
    judge = m["judge"]
    assert judge["eps_from_N1_d_free"] and judge["eps"] == judge["N1_d_free_median"] > 0  # E9i's rule
    assert 2 * m["chance"] < judge["test_accuracy"] <= 1 and 0 <= judge["robust_accuracy"] <= judge["test_accuracy"]
    assert m["k"] == r.config["k"] == 16 and m["n"] == 784
    assert m["baseline_on"] == pytest.approx(np.sqrt(16 / 784))
    assert 0 < m["pca_explained_variance"] < 1 and 0 <= m["on_digit_difference_median"] <= 1
    for k in m["tags"]:
        shares = [m[k][f"judge_says_{s}"] for s in ("t", "y", "other")]
        assert all(0 <= v <= 1 for v in shares) and sum(shares) == pytest.approx(1.0)
        assert 0 <= m[k]["on_delta_median"] <= 1 and 0 <= m[k]["judge_agrees_with_label"] <= 1
        assert r.arrays[f"ex_judge_{k}"].shape == (len(r.arrays["ex_x"]),)
    for rule in r.config["rules"]:  # a larger budget moves more digits towards t, for the judge too
        assert m[f"{rule}_eps{large:g}"]["judge_says_t"] > m[f"{rule}_eps0.5"]["judge_says_t"]
        assert m[f"{rule}_eps0.5"]["judge_says_y"] > 0.5  # at eps 0.5, below the judge's radius, x + δ reads as y
        assert m["largest_eps"][rule]["judge_says_t"] == m[f"{rule}_eps{large:g}"]["judge_says_t"]
    c, rand2, rand_large = m["checks"], m["rand_eps2"], m[f"rand_eps{large:g}"]
    assert c["rand_eps2_judge_says_y_majority"] == (rand2["judge_says_y"] > 0.5)
    assert c[f"rand_eps{large:g}_judge_says_t_majority"] == (rand_large["judge_says_t"] > 0.5)
    assert c[f"rand_eps{large:g}_on_delta_above_2x_random"] == (rand_large["on_delta_median"] > 2 * m["baseline_on"])


def _is_within(old, new, path="metrics"):
    """Every key of `old` is in `new` with an identical value (recursively; NaN equals NaN)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), path
        for key, value in old.items():
            assert key in new, f"{path}.{key} is gone"
            _is_within(value, new[key], f"{path}.{key}")
    elif isinstance(old, float) and np.isnan(old):
        assert isinstance(new, float) and np.isnan(new), path
    else:
        assert old == new, f"{path}: {old!r} became {new!r}"


def test_e10_the_judge_changes_no_earlier_number(monkeypatch):
    """The judge and on(δ) draw from the run's rng after everything else: with them left out the run gives
    exactly the same metrics and arrays, so every number quoted before them stands (E12 replays E10's
    draws up to the attacks and is untouched)."""
    tiny = {"n_per_class": 20, "epochs": 1, "pgd_steps": 2, "eps": (0.5, 2.0), "n_examples": 2}
    new = run_experiment("E10", "smoke", seed=5, **tiny)
    monkeypatch.setattr(e10, "looks_like", lambda *args, **kwargs: None)
    old = run_experiment("E10", "smoke", seed=5, **tiny)
    _is_within(old.metrics, new.metrics)
    assert "judge" in new.metrics and "judge" not in old.metrics and "judge_says_t" in new.metrics["rand_eps2"]
    for key, value in old.arrays.items():
        np.testing.assert_array_equal(value, new.arrays[key])
    assert set(new.arrays) - set(old.arrays) == {f"ex_judge_{k}" for k in new.metrics["tags"]}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_e10_book_the_judge_reads_y_at_eps2_and_the_new_label_at_the_largest_eps(seed):
    """The book's reading of D_rand, at the book profile: at eps = 2 a robust judge still says y on a
    majority of the changed digits (the chapter: "still looks like y to a robust classifier"); at the
    largest eps it reads the new label on a majority ("draws the new label"); on(δ) is more than twice a
    random direction's sqrt(k/n) ("along the digits' principal directions"). The claims' checks."""
    m = book("E10", seed).metrics
    assert m["rand_eps2"]["judge_says_y"] > 0.5
    assert m["largest_eps"]["rand"]["judge_says_t"] > 0.5
    assert m["rand_eps2"]["on_delta_median"] > 0.29 > 2 * m["baseline_on"]
    assert m["judge"]["test_accuracy"] > 0.8  # the judge reads clean digits
    large = m["largest_eps"]["eps"]
    assert m["checks"]["rand_eps2_judge_says_y_majority"] and m["checks"][f"rand_eps{large:g}_judge_says_t_majority"]


def test_e10_published_numbers_sit_beside_ours_with_a_reason():
    m = smoke("E10", 0).metrics
    assert m["published"] == {"ilyas_cifar10": {"original": 0.953, "d_rand": 0.633, "d_det": 0.437,
                                                "attack": "L2 PGD eps=0.5, step 0.1, 100 iterations"},
                              "wallace_cifar10": 0.497}
    rows = m["agrees_with_published"]
    assert set(rows) == {"original", "det_eps0.5", "rand_eps0.5", "det_eps2", "rand_eps2"}
    assert rows["original"]["ours"] == m["N1"]["test_accuracy"] and rows["rand_eps2"]["published"] == 0.633
    for row in rows.values():  # MNIST is not CIFAR-10: never "agrees", always says why
        assert not row["agrees"] and "not comparable" in row["reason"] and "CIFAR-10" in row["reason"]


def test_e10_on_cifar10_rows_compare_within_the_tolerance_and_name_the_model():
    config = dataclasses.replace(e10.CONFIGS["smoke"], dataset="cifar10", model="cnn", eps=(0.5,))
    metrics = {"N1": {"test_accuracy": 0.95}, "n_train": 100, "det_eps0.5": {"N2_test_accuracy": 0.1},
               "rand_eps0.5": {"N2_test_accuracy": 0.6}}
    rows = e10.published_comparison(metrics, config)
    assert rows["original"]["agrees"] and "ResNet" in rows["original"]["reason"]
    assert rows["rand_eps0.5"]["agrees"] and "small CNN" in rows["rand_eps0.5"]["reason"]
    assert not rows["det_eps0.5"]["agrees"] and "outside" in rows["det_eps0.5"]["reason"]


def test_e10_is_reproducible_from_its_seed():
    tiny = {"n_per_class": 20, "epochs": 1, "pgd_steps": 2, "eps": (1.0,), "n_examples": 2}
    a, b = run_experiment("E10", "smoke", seed=3, **tiny), run_experiment("E10", "smoke", seed=3, **tiny)
    assert a.metrics == b.metrics
    np.testing.assert_array_equal(a.arrays["ex_x_adv_rand"], b.arrays["ex_x_adv_rand"])
    c = run_experiment("E10", "smoke", seed=4, **tiny)
    assert not np.array_equal(a.arrays["ex_x"], c.arrays["ex_x"])  # another seed, another subset


# ---------------------------------------------------------------- E12, across seeds
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e12_an_early_networks_wrong_labels_teach_a_fresh_network(seed):
    m = smoke("E12", seed).metrics
    assert m["N1_early"]["reached"]
    assert m["wrong_labels_equal_y"] == 0.0  # every label N2 sees is wrong
    assert m["N2"]["test_accuracy"] >= 2 * m["chance"]  # the check
    assert m["checks"]["N2_at_least_2x_chance"]
    # distillation: N2 copies N1_early's function, so it agrees with N1_early more than with the truth
    assert m["N2"]["agrees_with_N1_early_test"] > m["N2"]["test_accuracy"]


@pytest.mark.parametrize("seed", [0, 1])
def test_e12_uniform_wrong_labels_teach_nothing(seed):
    """Labels uniform over the classes ≠ y are anti-informative: N2 sits at or below chance."""
    m = smoke("E12", seed).metrics
    control = m["control_uniform_wrong_labels"]["N2_test_accuracy"]
    assert control <= m["chance"] + 0.05
    assert m["N2"]["test_accuracy"] > control + 0.1
    assert m["checks"]["control_at_most_chance_plus_0.05"]


def test_e12_kept_set_is_exactly_the_early_networks_mistakes():
    r = smoke("E12", 0)
    m = r.metrics
    assert m["n_wrong"] == round((1 - m["N1_early"]["train_accuracy"]) * m["n_train"])
    assert r.arrays["label_counts_wrong"].sum() == m["n_wrong"]
    assert m["N1_early"]["train_accuracy"] >= r.config["early_accuracy"]
    adv = m["adversarial"]
    assert adv["tags"] == ["det_eps2", "rand_eps2"]
    assert adv["rand_eps2"]["N2_test_accuracy"] >= 2 * m["chance"]
    assert m["published"]["wallace_cifar10"] == 0.497
    row = m["agrees_with_published"]["wallace"]
    assert not row["agrees"] and "not comparable" in row["reason"] and row["ours"] == m["N2"]["test_accuracy"]


def test_train_early_stops_at_the_first_check_that_reaches_the_target(rng):
    x = torch.rand(200, 1, 4, 4, generator=torch.Generator().manual_seed(0))  # (N, 1, 4, 4)
    y = torch.arange(200) % 2  # (N,)
    config = dataclasses.replace(e12.CONFIGS["smoke"], hidden=(8,), check_every=1, early_accuracy=0.0)
    _, info = e12.train_early(config, x, y, 2, torch.Generator().manual_seed(0), rng)
    assert info["batches"] == 0 and info["reached"]  # already there before any step
    config = dataclasses.replace(config, early_accuracy=1.0, max_early_epochs=2)
    _, info = e12.train_early(config, x, y, 2, torch.Generator().manual_seed(0), rng)
    assert info["batches"] == 2 * 4 and info["epochs"] == 2.0  # 64 + 64 + 64 + 8 images per epoch; never reached (noise labels): the cap
    assert not info["reached"]


def test_wrong_other_labels_are_uniform_over_the_other_classes(rng):
    y = rng.integers(0, C, size=20000)
    t = e12.wrong_other_labels(y, C, rng)
    assert not np.any(t == y)
    shift = (t - y) % C  # (N,) in 1..C-1, each with probability 1/(C-1)
    counts = np.bincount(shift, minlength=C)[1:]
    assert np.all(np.abs(counts / len(y) - 1 / (C - 1)) < 5 * np.sqrt((1 / 9) * (8 / 9) / len(y)))


# ---------------------------------------------------------------- bad configs
@pytest.mark.parametrize("experiment, field, value, match", [
    ("E10", "eps", (), "eps=()"),
    ("E10", "eps", (0.5, -1.0), "eps=-1.0"),
    ("E10", "rules", ("random",), "rules="),
    ("E10", "pgd_steps", 0, "pgd_steps=0"),
    ("E10", "attack_batch", 0, "attack_batch=0"),
    ("E10", "model", "resnet", "model='resnet'"),
    ("E10", "k", 0, "k=0"),
    ("E10", "judge_eps", -1.0, "judge_eps=-1.0"),
    ("E10", "judge_epochs", 0, "judge_epochs=0"),
    ("E12", "early_accuracy", 1.5, "early_accuracy=1.5"),
    ("E12", "check_every", 0, "check_every=0"),
    ("E12", "adversarial", "yes", "adversarial="),
])
def test_bad_settings_are_named(experiment, field, value, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        run_experiment(experiment, "smoke", **{field: value})


# ---------------------------------------------------------------- the full path on tiny generated files


def test_e10_full_path_downloads_mnist_and_runs(fake_mnist):
    config = dataclasses.replace(e10.CONFIGS["full"], epochs=10, eps=(0.5, 3.0), pgd_steps=20, device="cpu")
    assert config.dataset == "mnist" and config.download and config.pgd_alpha_factor == 5.0  # step eps/20
    metrics, arrays = e10.run(config, np.random.default_rng(0))
    assert (fake_mnist / "datasets" / "mnist" / "t10k-images-idx3-ubyte.gz").exists()  # fetched from the mirror
    assert metrics["dataset"] == "mnist" and metrics["n_train"] == 200 and metrics["n_test"] == 100
    assert metrics["N1"]["test_accuracy"] > 0.5  # the bands are learnable
    assert metrics["tags"] == ["det_eps0.5", "det_eps3", "rand_eps0.5", "rand_eps3"]
    assert all(0 <= metrics[k]["N2_test_accuracy"] <= 1 for k in metrics["tags"])
    assert arrays["ex_x_adv_det"].shape[1:] == (1, 28, 28) and arrays["N2_pred_rand_eps3"].shape == (100,)


def test_e12_full_path_downloads_mnist_and_runs(fake_mnist):
    config = dataclasses.replace(e12.CONFIGS["full"], epochs=10, eps=(3.0,), pgd_steps=20, check_every=1,
                                 early_accuracy=0.3, device="cpu")
    metrics, arrays = e12.run(config, np.random.default_rng(0))
    assert metrics["dataset"] == "mnist" and metrics["n_train"] == 200
    assert metrics["n_wrong"] == arrays["label_counts_wrong"].sum() > 0
    assert 0 <= metrics["N2"]["test_accuracy"] <= 1 and "rand_eps3" in metrics["adversarial"]
    # one source of truth: E12's D_rand / D_det are E10's run for the same config and seed, not a second one
    # (E12 replays E10's draws; this catches any drift between the two)
    e10_config = e10.Config(**{f.name: getattr(config, f.name) for f in dataclasses.fields(mislabeled_images.MislabeledConfig)})
    same, _ = e10.run(e10_config, np.random.default_rng(0))
    other, _ = e10.run(e10_config, np.random.default_rng(1))  # negative control: another seed is another run
    adv = metrics["adversarial"]
    assert adv["source"] == "E10" and adv["N1_test_accuracy"] == same["N1"]["test_accuracy"]
    for k in ("det_eps3", "rand_eps3"):
        assert adv[k] == {key: same[k][key] for key in ("eps", "attack_success", "N2_test_accuracy")}
    assert any(adv[k]["attack_success"] != other[k]["attack_success"] for k in ("det_eps3", "rand_eps3"))


@pytest.mark.parametrize("profile", ["book", "full"])
def test_e12_compares_with_e10s_own_config_of_the_same_profile(profile):
    """Where the book quotes both, E12's E10 fields are E10's config: its D_det / D_rand are E10's numbers."""
    shared = {f.name: getattr(e12.CONFIGS[profile], f.name) for f in dataclasses.fields(mislabeled_images.MislabeledConfig)}
    assert dataclasses.replace(e10.CONFIGS[profile], **shared) == e10.CONFIGS[profile]  # E10's own: the judge, k
    assert all(e12.FULL_CIFAR10[key] == value for key, value in e10.FULL_CIFAR10.items())


# ---------------------------------------------------------------- figures, from saved results only
@pytest.fixture(scope="module")
def results():
    return {"E10": smoke("E10", 0), "E12": smoke("E12", 0)}


def test_figures_are_registered():
    assert list(FIGURES["E10"]) == ["accuracy", "examples"]
    assert list(FIGURES["E12"]) == ["wallace"]


@pytest.mark.parametrize("experiment, name", [("E10", "accuracy"), ("E10", "examples"), ("E12", "wallace")])
def test_every_figure_renders(results, experiment, name):
    r = results[experiment]
    fig = plot(r, name)
    fig.canvas.draw()
    want = {"accuracy": 2, "examples": len(r.arrays.get("ex_x", [])) * 5, "wallace": 2}[name]
    assert len(fig.axes) == want
    assert all(ax.has_data() for ax in fig.axes)
    assert experiment in fig.get_suptitle()


def test_the_accuracy_figure_draws_the_metrics_and_the_published_numbers(results):
    r = results["E10"]
    ax, ax_p = plot(r, "accuracy").axes
    m = r.metrics
    heights = [p.get_height() for p in ax.patches]  # per eps, one bar per rule
    want = [m[f"{rule}_eps{e:g}"]["N2_test_accuracy"] for e in r.config["eps"] for rule in r.config["rules"]]
    np.testing.assert_allclose(heights, want)
    published = [p.get_height() for p in ax_p.patches][3:]  # ours first, then Ilyas et al.'s
    np.testing.assert_allclose(published, [0.953, 0.633, 0.437])


def test_the_wallace_figure_draws_e10s_numbers_from_the_result(results):
    r = results["E12"]
    ax = plot(r, "wallace").axes[0]
    adv = r.metrics["adversarial"]
    ours = [p.get_height() for p in ax.containers[0]]  # our bars: N1_early, N2, control, then E10's sets
    np.testing.assert_allclose(ours[-len(adv["tags"]):], [adv[k]["N2_test_accuracy"] for k in adv["tags"]])
    assert [t.get_text().startswith("E10's") for t in ax.get_xticklabels()][-len(adv["tags"]):] == [True] * 2


def test_figures_save_and_never_train_or_attack(results, tmp_path, monkeypatch):
    check_save_figures(results, ("E10", "E12"), tmp_path / "png")

    def forbidden(*args, **kwargs):
        raise AssertionError("a plot function trained or attacked")

    import dmm_edu.attacks.torch_track as torch_track
    import dmm_edu.torch_nn.train as torch_train

    for module, name in ((mislabeled_images, "train_model"), (mislabeled_images, "pgd"), (mislabeled_images, "train_classifier"),
                         (e12, "train_classifier"), (torch_track, "pgd"), (torch_train, "train_classifier")):
        monkeypatch.setattr(module, name, forbidden)
    check_never_trains_or_attacks(results, ("E10", "E12"), tmp_path / "saved", monkeypatch)
