"""Synthetic data worlds: data on a manifold whose tangent space and true labels are known exactly.

A `World` (see `dmm_edu.data.world`) bundles training (and test) points on a k-dimensional manifold in R^n, the exact
tangent projector of that manifold and an oracle that gives the true label of any point in R^n
(project onto the manifold, apply the labelling rule). With them the book can measure on/off
decompositions without estimating a tangent, and ask whether a perturbation changed the true class.
The paper's small toys (the 2-D line and the 3-D chessboard) live in `dmm_edu.data.toys` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dmm_edu._checks import check_array, check_choice, check_float_range, check_positive_float
from dmm_edu._checks import check_positive_int, check_rng
from dmm_edu.data.toys import chessboard, line_toy
from dmm_edu.data.world import World
from dmm_edu.manifold.projectors import PointwiseProjector, SubspaceProjector

LABEL_RULES = ("quadrant", "stripes", "chessboard")


def random_orthonormal_basis(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """B: (n, k) with orthonormal columns, uniformly random: QR of a Gaussian, signs fixed by diag(R) > 0."""
    G = rng.standard_normal((n, k))  # (n, k)
    Q, R = np.linalg.qr(G)  # Q: (n, k), R: (k, k)
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # (n, k): B = Q diag(sign(R_ii))


def _cells(t: np.ndarray, n_cells: int) -> np.ndarray:
    """Cell index of t in [-1, 1] cut into n_cells equal cells; clipped, so the edge cells extend outward."""
    w = 2.0 / n_cells
    return np.clip(np.floor((t + 1.0) / w), 0, n_cells - 1).astype(np.int64)  # i = floor((t + 1) / w)


def _edge_distance(t: np.ndarray, n_cells: int) -> np.ndarray:
    """Distance of t to the nearest interior cell edge of [-1, 1] cut into n_cells cells."""
    edges = -1.0 + 2.0 / n_cells * np.arange(1, n_cells)  # (n_cells - 1,)
    return np.min(np.abs(t[..., None] - edges), axis=-1)


def label_rule(z: np.ndarray, labels: str) -> np.ndarray:
    """Labels from manifold coordinates z: (M, k) -> (M,) int.

    quadrant: 0..3 counter-clockwise by the signs of (z1, z2): (+,+)=0, (-,+)=1, (-,-)=2, (+,-)=3.
    stripes: floor((z1 + 1) / 0.5) mod 2 (4 stripes over [-1, 1]).
    chessboard: (i1 + i2) mod 2 with i = floor((z + 1) / 0.5) on a 4x4 grid over [-1, 1]^2.
    Outside [-1, 1] the stripes and cells at the edge extend outward.
    """
    if labels == "quadrant":
        left, below = z[:, 0] < 0, z[:, 1] < 0  # (M,), (M,)
        return np.where(below, 3 - left, left).astype(np.int64)  # counter-clockwise quadrant index
    if labels == "stripes":
        return _cells(z[:, 0], 4) % 2
    return (_cells(z[:, 0], 4) + _cells(z[:, 1], 4)) % 2


def _margin_ok(z: np.ndarray, labels: str, gap: float) -> np.ndarray:
    """(M,) bool: z keeps the rule's gap (|z1|,|z2| >= gap, or gap/2 from interior cell edges)."""
    if labels == "quadrant":
        return (np.abs(z[:, 0]) >= gap) & (np.abs(z[:, 1]) >= gap)
    if labels == "stripes":
        return _edge_distance(z[:, 0], 4) >= gap / 2
    return (_edge_distance(z[:, 0], 4) >= gap / 2) & (_edge_distance(z[:, 1], 4) >= gap / 2)


def _rejection_sample(draw: Callable[[int], np.ndarray], keep: Callable[[np.ndarray], np.ndarray],
                      size: int) -> np.ndarray:
    """Draw batches until `size` rows pass `keep`; vectorised, returns (size, ...)."""
    chunks, have = [], 0
    while have < size:
        cand = draw(2 * (size - have) + 16)  # (B, ...)
        cand = cand[keep(cand)]
        chunks.append(cand)
        have += len(cand)
    return np.concatenate(chunks)[:size]


def subspace_world(n: int = 200, k: int = 10, n_train: int = 3000, n_test: int = 1000, labels: str = "quadrant",
                   gap: float = 0.2, *, rng: np.random.Generator) -> World:
    """The default world "subspace-k-in-n": a flat k-dim subspace of R^n with a label rule on it.

    B: (n, k) random orthonormal basis; z ~ U[-1, 1]^k (rejection-sampled to keep the gap);
    x = B z, i.e. x = z B^T: (N, n). Labels by `labels` (see `label_rule`) on (z1, z2):
    "quadrant" (4 classes, |z1|, |z2| >= gap), "stripes" / "chessboard" (2 classes, points at
    least gap/2 from the interior stripe/cell edges). Oracle: z = x B (projection onto the
    subspace), then the same rule without the gap. n_test may be 0.
    """
    labels = check_choice("labels", labels, LABEL_RULES)
    n = check_positive_int("n", n)
    k = check_positive_int("k", k)
    if k < 2 and labels != "stripes":
        raise ValueError(f"k={k} is not accepted; labels={labels!r} uses (z1, z2), so it needs k >= 2")
    if k > n:
        raise ValueError(f"k={k} is not accepted; expected k <= n = {n}")
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test, minimum=0)
    gap = check_float_range("gap", gap, 0.0, 0.9)
    if gap >= 0.9:
        raise ValueError(f"gap={gap} is not accepted; expected a number in [0, 0.9)")
    rng = check_rng("rng", rng)

    B = random_orthonormal_basis(n, k, rng)  # (n, k)
    z = _rejection_sample(lambda m: rng.uniform(-1.0, 1.0, size=(m, k)),  # (m, k): z ~ U[-1, 1]^k
                          lambda z: _margin_ok(z, labels, gap), n_train + n_test)  # (N_all, k)
    x = z @ B.T  # (N_all, n): x = B z
    y = label_rule(z, labels)  # (N_all,)

    def coords(x):
        return check_array("x", x, shape=(None, n)) @ B  # (M, k): z = B^T x

    def oracle(x):
        return label_rule(coords(x), labels)  # (M,)

    C = 4 if labels == "quadrant" else 2
    return World(
        name="subspace", x=x[:n_train], y=y[:n_train], x_test=x[n_train:], y_test=y[n_train:], n_classes=C, k=k,
        projector=SubspaceProjector(B), oracle=oracle, coords=coords,
        description=f"{k}-dim random subspace of R^{n}, z ~ U[-1,1]^{k}, {C} classes by rule '{labels}' on (z1, z2)",
    )


def sphere_tangent_basis(x: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the complement of u = x / ||x||, x: (N, n) -> (N, n, n-1).

    Householder reflection H = I - 2 v v^T / (v^T v) with v = u + s e1, s = sign(u1) (s = 1 at u1 = 0),
    so ||v||^2 = 2(1 + |u1|) >= 2 (stable). H e1 = -s u and H is orthogonal, so columns 2..n of H
    are an orthonormal basis of u's complement: the tangent space of the sphere at x.
    """
    N, n = x.shape
    u = x / np.linalg.norm(x, axis=1, keepdims=True)  # (N, n): radial direction
    s = np.where(u[:, 0] >= 0, 1.0, -1.0)  # (N,)
    v = u.copy()
    v[:, 0] += s  # (N, n): v = u + s e1
    vv = np.sum(v**2, axis=1)  # (N,): v^T v
    I = np.eye(n)[None, :, 1:]  # (1, n, n-1)
    return I - 2.0 * v[:, :, None] * v[:, None, 1:] / vv[:, None, None]  # (N, n, n-1): H[:, :, 1:]


def _sector_position(x: np.ndarray, sectors: int) -> np.ndarray:
    """Angular position of x: (M, n) in units of sectors: t = (atan2(x2, x1) + pi) / (2 pi / sectors)."""
    theta = np.arctan2(x[:, 1], x[:, 0])  # (M,) in [-pi, pi]
    return np.mod((theta + np.pi) / (2 * np.pi / sectors), sectors)  # (M,) in [0, sectors)


def sphere_world(n: int = 3, n_train: int = 2000, n_test: int = 500, sectors: int = 4, radius: float = 1.0,
                 gap: float = 0.0, *, rng: np.random.Generator) -> World:
    """Points on the (n-1)-sphere of the given radius in R^n (k = n - 1; n = 2 is the circle).

    x = radius * g / ||g||, g ~ N(0, I_n) (uniform on the sphere). Label = parity of the angular
    sector of theta = atan2(x2, x1) among `sectors` equal sectors (2 classes, sectors even).
    gap: fraction of a sector's angular width kept free at each sector edge (gap/2 on each side).
    Tangent at x: orthonormal complement of u = x / ||x|| (Householder, exact); normal: span(u).
    Oracle: the same rule on the angle of any x (invariant to the radius; ValueError at the origin).
    """
    n = check_positive_int("n", n, minimum=2)
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test, minimum=0)
    sectors = check_positive_int("sectors", sectors, minimum=2)
    if sectors % 2:
        raise ValueError(f"sectors={sectors} is not accepted; expected an even number so labels alternate all round")
    radius = check_positive_float("radius", radius)
    gap = check_float_range("gap", gap, 0.0, 0.9)
    if gap >= 0.9:
        raise ValueError(f"gap={gap} is not accepted; expected a number in [0, 0.9)")
    rng = check_rng("rng", rng)

    def draw(m):
        g = rng.standard_normal((m, n))  # (m, n): g ~ N(0, I_n)
        g = g[np.linalg.norm(g, axis=1) > 1e-12]
        return radius * g / np.linalg.norm(g, axis=1, keepdims=True)  # (m, n): x = r g / ||g||

    def keep(x):
        frac = np.mod(_sector_position(x, sectors), 1.0)  # (m,) position inside the sector
        return (frac >= gap / 2) & (frac <= 1 - gap / 2)

    def oracle(x):
        x = check_array("x", x, shape=(None, n))  # (M, n)
        n_origin = int(np.sum(np.all(x == 0, axis=1)))
        if n_origin:
            raise ValueError(f"x has {n_origin} row(s) at the origin, where the sphere world's label is undefined")
        return np.floor(_sector_position(x, sectors)).astype(np.int64) % 2  # (M,): sector index mod 2

    x = _rejection_sample(draw, keep, n_train + n_test)  # (N_all, n)
    y = oracle(x)  # (N_all,)
    coords = (lambda x: np.arctan2(x[:, 1], x[:, 0])[:, None]) if n == 2 else None  # circle: z = theta, (M, 1)
    return World(
        name="sphere", x=x[:n_train], y=y[:n_train], x_test=x[n_train:], y_test=y[n_train:], n_classes=2, k=n - 1,
        projector=PointwiseProjector(sphere_tangent_basis, n, n - 1), oracle=oracle, coords=coords,
        description=f"the {n - 1}-sphere of radius {radius} in R^{n}, 2 classes alternating over {sectors} sectors",
    )


WORLDS: dict[str, Callable[..., World]] = {
    "subspace": subspace_world,
    "sphere": sphere_world,
    "line-toy": line_toy,
    "chessboard": chessboard,
}


def make_world(name: str, **kwargs) -> World:
    """Build the world registered under `name` (see WORLDS) with the factory's keyword arguments."""
    name = check_choice("name", name, WORLDS)
    return WORLDS[name](**kwargs)


__all__ = ["World", "WORLDS", "make_world", "subspace_world", "sphere_world", "line_toy", "chessboard",
           "label_rule", "random_orthonormal_basis", "sphere_tangent_basis", "LABEL_RULES"]
