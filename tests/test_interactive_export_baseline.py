"""E3-baseline's data (dmm_edu/interactive/baseline.py): the exact density of on(v) and E3's samples.

Every density of the (n, k) grid integrates to 1 on its window (trapezoid rule, to 1e-3) and its
mean there is `random_on_mean` (to 1e-3); its closed form agrees with known cases and with the Beta
distribution of on(v)² sampled directly; √(k/n), the exact mean and sd are dmm_edu.manifold's; at
E3's pairs the samples and their means are E3's arrays; the data stays light; the density refuses
(n, k) where it is not finite.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dmm_edu import interactive
from dmm_edu.interactive import baseline
from dmm_edu.manifold import random_baseline, random_on_mean, random_on_sd


@pytest.fixture(scope="module")
def smoke_results():
    from dmm_edu.book import book_results

    return book_results("smoke")


@pytest.fixture(scope="module")
def exported(smoke_results, tmp_path_factory):
    folder = tmp_path_factory.mktemp("e3-baseline")
    interactive.export(smoke_results, folder, ["E3-baseline"])
    path = folder / "E3-baseline.js"
    name, data = interactive.read_export(path)
    assert name == "E3-baseline"
    return path, data


def test_every_density_integrates_to_one_and_has_the_exact_mean(exported):
    _, data = exported
    cells = 0
    for row in data["rows"]:
        n = row["n"]
        assert [c["k"] for c in row["cells"]] == sorted(c["k"] for c in row["cells"])
        for c in row["cells"]:
            k = c["k"]
            assert 1 <= k < n
            r = np.linspace(c["lo"], c["hi"], data["points"])
            f = interactive.ungrid(c["density"])
            assert f.shape == (data["points"],) and np.all(f >= 0)
            assert np.trapezoid(f, r) == pytest.approx(1.0, abs=1e-3), (n, k)
            assert np.trapezoid(r * f, r) == pytest.approx(random_on_mean(n, k), abs=1e-3), (n, k)
            assert c["rms"] == random_baseline(n, k) and c["mean"] == random_on_mean(n, k) and c["sd"] == random_on_sd(n, k)
            cells += 1
    ns = [row["n"] for row in data["rows"]]
    assert ns == sorted(ns) and ns[0] == 10 and ns[-1] == 3072 and cells > 50


def test_density_closed_form_matches_known_cases_and_the_beta_distribution(rng):
    r = np.linspace(0, 1, 11)
    # n = 3, k = 1: |v_1| is uniform on [0, 1]
    assert np.allclose(baseline.density(r, 3, 1), 1.0)
    # n = 4, k = 2: on² ~ Beta(1, 1), uniform, so on has density 2r
    assert np.allclose(baseline.density(r, 4, 2), 2 * r)
    # against a direct draw of on² ~ Beta(k/2, (n-k)/2): the histogram of its square root follows the density
    n, k = 40, 6
    s = np.sqrt(rng.beta(k / 2, (n - k) / 2, size=200_000))
    counts, edges = np.histogram(s, bins=40, range=(0, 1), density=True)
    mid = (edges[:-1] + edges[1:]) / 2
    assert np.max(np.abs(counts - baseline.density(mid, n, k))) < 0.05 * baseline.density(mid, n, k).max()


def test_e3_pairs_carry_e3_samples_and_their_means(exported, smoke_results):
    _, data = exported
    r = smoke_results["E3"]
    pairs = {(int(n), int(k)) for n, k in r.metrics["dims"]}
    seen = set()
    for row in data["rows"]:
        for c in row["cells"]:
            n, k = row["n"], c["k"]
            if (n, k) not in pairs:
                assert "e3" not in c
                continue
            seen.add((n, k))
            rand, grad = r.arrays[f"on_random_n{n}_k{k}"], r.arrays[f"on_grad_untrained_n{n}_k{k}"]
            e = c["e3"]
            assert np.max(np.abs(interactive.ungrid(e["random"]) - rand)) <= baseline.SAMPLE_SCALE / 2 + 1e-12
            assert np.max(np.abs(interactive.ungrid(e["grad"]) - grad)) <= baseline.SAMPLE_SCALE / 2 + 1e-12
            assert e["random_mean"] == pytest.approx(float(rand.mean()), rel=1e-12)
            assert e["grad_mean"] == pytest.approx(float(grad.mean()), rel=1e-12)
            assert (e["random_count"], e["grad_count"]) == (rand.size, grad.size)
            assert e["random_mean"] == pytest.approx(r.metrics[f"n{n}_k{k}"]["on_random_mean"], rel=1e-9)
            assert c["rms"] == pytest.approx(r.metrics[f"n{n}_k{k}"]["baseline"], rel=1e-12)
    assert seen == pairs
    assert sorted(map(tuple, data["pairs"])) == sorted(pairs)


def test_the_data_stays_light(exported):
    path, _ = exported
    assert path.stat().st_size < 400_000


@pytest.mark.parametrize("n,k", [(10, 9), (10, 10), (10, 0), (10, 11)])
def test_density_refuses_pairs_where_it_is_not_finite(n, k):
    with pytest.raises(ValueError, match=r"expected integers with 1 <= k <= n - 2"):
        baseline.density(np.array([0.5]), n, k)


def test_build_names_a_missing_e3_array(smoke_results):
    r = smoke_results["E3"]
    n, k = r.metrics["dims"][0]
    broken = dataclasses.replace(r, arrays={key: v for key, v in r.arrays.items() if key != f"on_random_n{n}_k{k}"})
    with pytest.raises(KeyError, match=f"on_random_n{n}_k{k}"):
        baseline.build({"E3": broken})
