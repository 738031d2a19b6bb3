"""E3: a random direction's on-manifold fraction is √(k/n) (the check: |mean - √(k/n)| < 0.03)."""

import pytest

from smoke_runs import smoke


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_directions_sit_at_the_baseline(seed):
    r = smoke("E3", seed)
    for n, k in r.metrics["dims"]:
        m = r.metrics[f"n{n}_k{k}"]
        assert abs(m["on_random_mean"] - (k / n) ** 0.5) < 0.03
        # an untrained network's input gradient knows nothing about the manifold either
        assert abs(m["on_grad_untrained_mean"] - (k / n) ** 0.5) < 0.05
