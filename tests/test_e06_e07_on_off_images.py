"""E6 and E7: on- and off-manifold minimal perturbations on real images (bundled MNIST, smoke profile),
their random baselines, the comparison with the published numbers, the full path on tiny generated
MNIST / CIFAR-10 files served from file:// mirrors, and the figures (drawn from saved results only)."""

import dataclasses
import io
import math
import tarfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from data_fixtures import md5, pattern_images, sha256  # noqa: E402
from plot_checks import check_never_trains_or_attacks, check_save_figures  # noqa: E402
from smoke_runs import smoke  # noqa: E402

from dmm_edu.data import image_catalog as catalog  # noqa: E402
from dmm_edu.data.cifar import cifar_bytes  # noqa: E402
from dmm_edu.experiments import _images  # noqa: E402
from dmm_edu.experiments import e06_on_off_images as e06  # noqa: E402
from dmm_edu.experiments import e07_autoencoder_tangent as e07  # noqa: E402
from dmm_edu.manifold import Frames, on_fraction, random_frame  # noqa: E402
from dmm_edu.experiments.base import run_experiment  # noqa: E402
from dmm_edu.plots import FIGURES, plot  # noqa: E402
from dmm_edu.plots import on_off_images  # noqa: E402

K, N = 16, 784  # the smoke profiles' tangent dimension and MNIST's pixel count


# ---------------------------------------------------------------- the claims, across seeds
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e6_minimal_perturbations_lean_on_the_manifold_far_more_than_random(seed):
    m = smoke("E6", seed).metrics
    assert m["baseline_on"] == pytest.approx(math.sqrt(K / N))
    assert m["baseline_d_on_over_d_free"] == pytest.approx(math.sqrt(N / K))
    for tangent in ("pca", "local_pca"):  # the check: on(d) > on(random) + 0.1
        assert m[tangent]["on_delta"] > m["baseline_on"] + 0.1
        assert m["checks"][f"{tangent}_on_delta_above_baseline_plus_0.1"]
    for tangent in ("pca", "local_pca", "random_frame"):
        t = m[tangent]
        assert min(t["success_free"], t["success_on"], t["success_off"]) > 0.9  # no box: every attack can cross
        assert t["d_free"] <= 1.05 * min(t["d_on"], t["d_off"])  # the free minimum is never much longer
        assert t["n_measured"] > 0.9 * t["n_attacked"]


@pytest.mark.parametrize("seed", [0, 1])
def test_e6_a_random_k_frame_behaves_as_the_baselines_predict(seed):
    """Against a random subspace the classifier is generic: on(d) ≈ √(k/n), d_on/d_free ≈ √(n/k), d_off ≈ d_free.
    The bands allow the spread of on² ~ Beta(k/2, (n-k)/2) (relative sd ≈ 1/√(2k) = 0.18) and DeepFool's slack."""
    m = smoke("E6", seed).metrics["random_frame"]
    assert 0.6 < m["on_delta"] / m["baseline_on"] < 1.6
    assert 0.5 < m["d_on_over_d_free"] / m["baseline_d_on_over_d_free"] < 2.0
    assert 0.95 < m["d_off_over_d_free"] < 1.1  # removing 16 of 784 dimensions barely matters
    # while the PCA tangent is special: its d_on/d_free is far below what a random subspace gives
    assert smoke("E6", seed).metrics["pca"]["d_on_over_d_free"] < 0.5 * m["baseline_d_on_over_d_free"]


@pytest.mark.parametrize("seed", [0, 1])
def test_e7_on_manifold_attacks_are_longer_off_manifold_ones_as_short(seed):
    m = smoke("E7", seed).metrics
    for tool in ("ae", "pgd"):  # the check: d_off/d_free < 1.5 and d_on/d_free > 1.2, √(n/k) beside
        assert m[tool]["d_on_over_d_free"] > 1.2
        assert m[tool]["d_off_over_d_free"] < 1.5
        assert m[tool]["baseline_d_on_over_d_free"] == pytest.approx(math.sqrt(N / K))
        assert all(m["checks"][f"{tool}_{key}"] for key in ("d_on_over_d_free_above_1.2", "d_off_over_d_free_below_1.5"))
    assert m["ae"]["on_delta"] > m["baseline_on"]


@pytest.mark.parametrize("seed", [0, 1])
def test_e7_deepfool_and_pgd_measure_the_same_distances(seed):
    """Two estimates of one minimal distance: DeepFool (overshoot 2%) and early-stopped PGD with 0.02 steps.
    DeepFool is not exactly minimal on a nonlinear net (typically within 10-20%), hence the 30% band."""
    m = smoke("E7", seed).metrics
    for key in ("d_free", "d_on", "d_off"):
        assert 0.7 < m["pgd"][key] / m["ae"][key] < 1.3
    ladder = m["pgd_ladder"]
    for i in range(len(ladder["eps"])):  # the free ball contains the restricted ones
        assert ladder["success_free"][i] >= max(ladder["success_on"][i], ladder["success_off"][i]) - 0.05
    assert ladder["success_free"][-1] > ladder["success_free"][0]


def test_e6_is_reproducible_from_its_seed():
    tiny = {"n_per_class": 30, "epochs": 2, "n_attack": 10, "n_neighbors": 20, "n_examples": 2}
    a, b = run_experiment("E6", "smoke", seed=3, **tiny), run_experiment("E6", "smoke", seed=3, **tiny)
    assert a.metrics == b.metrics
    np.testing.assert_array_equal(a.arrays["pca_d_free"], b.arrays["pca_d_free"])
    c = run_experiment("E6", "smoke", seed=4, **tiny)
    assert not np.array_equal(a.arrays["labels"], c.arrays["labels"])  # another seed, other points


def test_e6_reports_rho_as_a_mean_and_a_median_from_the_saved_norms():
    """DeepFool's ρ = ‖δ_free‖/‖x‖ over the flipped points, recomputed from the per-point arrays."""
    r = smoke("E6", 0)
    m, a = r.metrics, r.arrays
    x_norm = a["x_norm"]  # (M,) one per attacked point
    assert x_norm.shape == a["labels"].shape and np.all(x_norm > 0)
    ex = a["pca_ex_index"]
    np.testing.assert_allclose(x_norm[ex], np.linalg.norm(a["pca_ex_x"].reshape(len(ex), -1), axis=1), rtol=1e-5)
    ok = a["pca_success_free"]
    rho = a["pca_d_free"][ok] / x_norm[ok]
    assert m["rho_mean"] == pytest.approx(rho.mean()) and m["rho_median"] == pytest.approx(np.median(rho))
    assert m["rho_deepfool"] == m["rho_mean"]  # the published ρ is a mean: the mean is what is compared
    assert m["agrees_with_published"]["rho_deepfool"]["ours"] == m["rho_mean"]
    assert m["opening"]["x_norm"] == pytest.approx(x_norm[m["opening"]["index"]])


@pytest.mark.parametrize("experiment, tangents", [("E6", ("pca", "local_pca")), ("E7", ("ae", "pgd"))])
def test_the_saved_examples_keep_the_class_each_attack_reached(experiment, tangents):
    """At x the network gives the true class (only such points are attacked); at x + δ of an attack that
    succeeded it must give another: a prediction taken at x, or of the wrong δ, would fail here."""
    r = smoke(experiment, 0)
    for t in tangents:
        ex = r.arrays[f"{t}_ex_index"]
        labels = r.arrays["labels"][ex]  # (E,)
        assert len(ex) > 0
        for space in ("free", "on", "off"):
            pred = r.arrays[f"{t}_ex_pred_{space}"]
            assert pred.shape == labels.shape and np.issubdtype(pred.dtype, np.integer)
            assert r.arrays[f"{t}_success_{space}"][ex].all()  # the examples are points every attack flipped
            assert np.all(pred != labels), (t, space, pred, labels)
            assert np.all((pred >= 0) & (pred < 10))
    assert r.arrays[f"{tangents[-1]}_ex_d_free"].shape[1:] == (1, 28, 28)


def test_the_grid_says_the_class_under_each_attack(results):
    r = results["E7"]
    axes = np.array(plot(r, "grid").axes).reshape(-1, 6)
    labels = r.arrays["labels"][r.arrays["ae_ex_index"]]
    for i in range(len(labels)):
        assert axes[i, 0].get_ylabel() == f"label {labels[i]}"
        for col, space in ((1, "free"), (4, "on"), (5, "off")):
            assert axes[i, col].get_xlabel().endswith(f"→ {r.arrays[f'ae_ex_pred_{space}'][i]}")
        assert "→" not in axes[i, 2].get_xlabel()  # x + P_T δ is a part, not an attack


# ---------------------------------------------------------------- the published numbers
def test_the_published_numbers_sit_beside_ours_with_a_reason_when_they_disagree():
    for e in ("E6", "E7"):
        m = smoke(e, 0).metrics
        assert m["published"] == {"karner_mnist_mlp": {"d_on_over_d_free": 2.89, "d_off_over_d_free": 1.10, "k": 16},
                                  "deepfool_rho_mnist_fc": 0.11}
        for key, row in m["agrees_with_published"].items():
            assert set(row) == {"ours", "published", "agrees", "reason"}
            assert row["agrees"] or row["reason"], key  # a disagreement always says why
        assert m["agrees_with_published"]["rho_deepfool"]["ours"] == m["rho_deepfool"]
    e7 = smoke("E7", 0).metrics
    assert e7["agrees_with_published"]["d_on_over_d_free"]["ours"] == e7["pgd"]["d_on_over_d_free"]


def test_compare_agrees_within_the_tolerance_and_says_why_not():
    assert _images.compare(2.5, 2.89, 0.25)["agrees"]
    far = _images.compare(1.5, 2.89, 0.25)
    assert not far["agrees"] and "outside ±25%" in far["reason"]
    assert not _images.compare(float("nan"), 2.89, 0.25)["agrees"]
    other = _images.compare(2.89, 2.89, 0.25, "not comparable: CIFAR-10")
    assert not other["agrees"] and other["reason"] == "not comparable: CIFAR-10"
    row = _images.rho_comparison(0.11, e06.CONFIGS["book"], 0.25)
    assert row["agrees"] and "FC500-150-10" in row["reason"]


# ---------------------------------------------------------------- the pieces
def test_on_fraction_and_projection_known_answers():
    U = torch.eye(6, dtype=torch.float64)[:, :2]  # (6, 2): T = span(e1, e2)
    d = torch.tensor([[1.0, 0, 1, 0, 0, 0], [0, 3, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=torch.float64)  # (3, 6)
    on = on_fraction(d, Frames(U))
    np.testing.assert_allclose(on[:2], [1 / math.sqrt(2), 1.0])
    assert np.isnan(on[2])  # on(0) is undefined
    per_point = Frames(torch.stack([U, torch.eye(6, dtype=torch.float64)[:, 2:4], U]))  # (3, 6, 2)
    np.testing.assert_allclose(on_fraction(d, per_point)[:2], [1 / math.sqrt(2), 0.0])
    with pytest.raises(ValueError, match="computed at 3 points"):
        per_point.basis_tensor(torch.zeros(2, 6))


def test_random_frame_is_orthonormal_and_seeded():
    U = random_frame(50, 5, np.random.default_rng(0)).basis()  # (50, 5)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-12)
    np.testing.assert_array_equal(U, random_frame(50, 5, np.random.default_rng(0)).basis())
    assert not np.array_equal(U, random_frame(50, 5, np.random.default_rng(1)).basis())


def test_only_correctly_classified_points_are_attacked(rng):
    class FirstPixel(torch.nn.Module):  # predicts class 1 where the first pixel is bright
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.tensor([-1.0, 1.0]))

        def forward(self, x):
            return (x.reshape(len(x), -1)[:, :1] - 0.5) * self.w  # (N, 2)

    images = rng.integers(0, 256, size=(40, 1, 2, 2), dtype=np.uint8)
    labels = rng.integers(0, 2, size=40)
    test = _images.ImageDataset(images, labels, ("a", "b"), "fake", "test", "test")
    x, y, acc = _images.attack_points(FirstPixel(), test, 100, rng)
    correct = (images[:, 0, 0, 0] / 255 > 0.5).astype(int) == labels
    assert len(y) == correct.sum() and acc == pytest.approx(correct.mean())
    assert torch.equal((x[:, 0, 0, 0] > 0.5).long(), y)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="model='resnet'"):
        run_experiment("E6", "smoke", model="resnet")
    with pytest.raises(ValueError, match="dataset='svhn'"):
        run_experiment("E7", "smoke", dataset="svhn")


# ---------------------------------------------------------------- the full path on tiny generated files


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch, rng):
    """A tiny learnable CIFAR-10 archive (40 records per batch) behind a file:// mirror, and an empty cache."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        members = {f: cifar_bytes(*pattern_images(40, (3, 32, 32), rng)) for f in catalog.CIFAR10_BATCHES}
        member_sha = {f: sha256(data) for f, data in members.items()}
        members.update({f: "\n".join(catalog.CLASSES["cifar10"]).encode() for f in catalog.CIFAR10_EXTRA})
        for f, data in members.items():
            info = tarfile.TarInfo(f"{catalog.CIFAR10_FOLDER}/{f}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "mirror").mkdir()
    archive = tmp_path / "mirror" / catalog.CIFAR10_ARCHIVE.filename
    archive.write_bytes(buf.getvalue())
    monkeypatch.setattr(catalog, "CIFAR10_ARCHIVE", catalog.RemoteFile(archive.name, md5(buf.getvalue()),
                                                                       sha256(buf.getvalue())))
    monkeypatch.setattr(catalog, "CIFAR10_BATCHES", member_sha)
    monkeypatch.setitem(catalog.MIRRORS, "cifar10", [(tmp_path / "mirror").as_uri()])
    return tmp_path / "cache"


def _tiny(module, **fields):
    return dataclasses.replace(module.CONFIGS["full"], **{"epochs": 10, "n_attack": 20, "n_examples": 2,
                                                          "device": "cpu", **fields})


def _assert_measured(metrics, tangents):
    for t in tangents:
        m = metrics[t]
        assert m["n_measured"] >= 1, (t, m)  # points where free, on and off attacks all crossed
        assert all(math.isfinite(m[key]) for key in ("d_free", "d_on_over_d_free", "on_delta"))


def test_e6_full_path_downloads_mnist_and_runs(fake_mnist):
    config = _tiny(e06, k=4, local_k=4, n_neighbors=10, local_ref_per_class=15)
    assert config.dataset == "mnist" and config.download
    metrics, arrays = e06.run(config, np.random.default_rng(0))
    assert (fake_mnist / "datasets" / "mnist" / "t10k-images-idx3-ubyte.gz").exists()  # fetched from the mirror
    assert metrics["dataset"] == "mnist" and metrics["n"] == 784
    _assert_measured(metrics, ("pca", "local_pca", "random_frame"))
    assert arrays["pca_ex_x"].shape[1:] == (1, 28, 28)


def test_e7_full_path_downloads_mnist_and_runs(fake_mnist):
    config = _tiny(e07, k=4, ae_epochs=2, pgd_steps=100, pgd_eps=(1.0,))
    metrics, arrays = e07.run(config, np.random.default_rng(0))
    assert metrics["dataset"] == "mnist"
    _assert_measured(metrics, ("ae", "random_frame"))
    assert metrics["pgd"]["success_free"] > 0.5 and metrics["pgd_ladder"]["eps"] == [1.0]
    assert arrays["ae_ex_d_tangent"].shape[1:] == (1, 28, 28)


def test_e7_full_cifar10_path_runs_the_cnn_and_a_colour_autoencoder(fake_cifar):
    config = _tiny(e07, **{**e07.FULL_CIFAR10, "k": 8, "ae_channels": (4, 8), "epochs": 10, "ae_epochs": 2,
                           "pgd_steps": 100, "pgd_eps": (0.5,)})
    metrics, arrays = e07.run(config, np.random.default_rng(0))
    assert metrics["dataset"] == "cifar10" and metrics["n"] == 3 * 32 * 32 and metrics["k"] == 8
    _assert_measured(metrics, ("ae", "random_frame"))
    agrees = metrics["agrees_with_published"]
    assert not agrees["d_on_over_d_free"]["agrees"] and "not comparable" in agrees["d_on_over_d_free"]["reason"]
    assert arrays["ae_ex_x"].shape[1:] == (3, 32, 32)
    assert plot(_as_result("E7", metrics, arrays, config), "grid").axes  # colour images draw too


# ---------------------------------------------------------------- figures, from saved results only
def _as_result(experiment, metrics, arrays, config):
    from dmm_edu.results import Result, as_json

    return Result(experiment=experiment, profile="full", seed=0, config=as_json(dataclasses.asdict(config)),
                  metrics=as_json(metrics), arrays=arrays, provenance={})


@pytest.fixture(scope="module")
def results():
    return {"E6": smoke("E6", 0), "E7": smoke("E7", 0)}


OPENING = "opening"  # E6's chapter-1 example figure: tests/test_plots_opening.py covers it


def test_figures_are_registered():
    assert [n for n in FIGURES["E6"] if n != OPENING] == ["grid", "grid_local", "norms"]
    assert list(FIGURES["E7"]) == ["grid", "norms", "ladder"]


@pytest.mark.parametrize("experiment, name", [(e, n) for e in ("E6", "E7") for n in FIGURES[e] if n != OPENING])
def test_every_figure_renders(results, experiment, name):
    r = results[experiment]
    fig = plot(r, name)
    fig.canvas.draw()
    n_examples = len(r.arrays[("pca" if experiment == "E6" else "ae") + "_ex_x"])
    want = {"grid": n_examples * 6, "grid_local": n_examples * 6, "norms": 3, "ladder": 1}[name]
    assert len(fig.axes) == want
    assert all(ax.has_data() for ax in fig.axes)
    assert experiment in fig.get_suptitle() or experiment in fig.axes[0].get_title()


def test_the_grid_draws_the_saved_images_and_parts(results):
    r = results["E6"]
    fig = plot(r, "grid")
    x, d_T, d = r.arrays["pca_ex_x"], r.arrays["pca_ex_d_tangent"], r.arrays["pca_ex_d_free"]
    row = 1
    axes = np.array(fig.axes).reshape(-1, 6)
    np.testing.assert_allclose(axes[row, 0].get_images()[0].get_array(), x[row, 0])
    np.testing.assert_allclose(axes[row, 2].get_images()[0].get_array(), np.clip(x[row, 0] + d_T[row, 0], 0, 1))
    signed = axes[row, 1].get_images()[0]
    np.testing.assert_allclose(signed.get_array(), d[row, 0])
    lo, hi = signed.get_clim()
    assert lo == -hi and hi >= np.abs(d[row]).max()  # symmetric scale: white is zero
    assert f"{np.linalg.norm(d[row]):.2f}" in axes[row, 1].get_xlabel()


def test_the_norms_figure_draws_the_metrics_and_both_baselines(results):
    r = results["E7"]
    fig = plot(r, "norms")
    ax_d, ax_r, ax_on = fig.axes
    heights = [p.get_height() for p in ax_d.patches]
    tangents = ("ae", "pgd", "random_frame")
    for j, space in enumerate(on_off_images.SPACES):
        np.testing.assert_allclose(heights[3 * j : 3 * j + 3], [r.metrics[t][space] for t in tangents])
    dashed = lambda ax: [ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"]  # noqa: E731
    assert dashed(ax_r) == [pytest.approx(math.sqrt(N / K))]
    assert dashed(ax_on) == [pytest.approx(math.sqrt(K / N))]


def test_figures_save_and_never_train_or_attack(results, tmp_path, monkeypatch):
    check_save_figures(results, ("E6", "E7"), tmp_path / "png")

    def forbidden(*args, **kwargs):
        raise AssertionError("a plot function trained or attacked")

    import dmm_edu.attacks.torch_track as torch_track
    import dmm_edu.boundary.distances as distances
    import dmm_edu.torch_nn.train as torch_train

    for module, name in ((_images, "train_model"), (distances, "minimal_distances"), (torch_track, "deepfool"),
                         (torch_track, "pgd"), (torch_train, "train_classifier"), (torch_train, "train_autoencoder"),
                         (e07, "train_ae"), (e07, "pgd")):
        monkeypatch.setattr(module, name, forbidden)
    check_never_trains_or_attacks(results, ("E6", "E7"), tmp_path / "saved", monkeypatch)
