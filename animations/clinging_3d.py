"""Clinging and dimpling in 3-D: the boundary of a chessboard classifier over training (E1, the default recipe).

The training points sit on the plane z = 0.5 (drawn as the board, the plane at height 0 here);
the surface is the network's decision boundary, h(x, y) = height of the logit's zero crossing
above the board, one E1 height frame per training snapshot (from init to the late phase). Gaps: no
crossing within ±s_max; a snapshot with no crossing at all (often the init) says so on screen.
Heights are drawn capped at ±s_max/2 (where the colour saturates), so a few steep spikes late in
training do not fill the picture. The scene holds at 25 % of T, the moment the chapter measures.
Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DL,
    UL,
    UR,
    Dot,
    FadeIn,
    ManimColor,
    Polygon,
    Square,
    ThreeDScene,
    UpdateFromAlphaFunc,
    VGroup,
)

from animations._common import (
    LABEL,
    MUTED,
    beat,
    class_colour,
    fraction_label,
    height_rgb,
    hud,
    label_key,
    scene_result,
    text,
    title_card,
)

SIDE = 5.0  #: the board's [0, 1]² spans SIDE scene units
Z_SCALE = 2.5  #: scene units per unit of height h


def to_scene(x: np.ndarray, y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Board coordinates (x, y in [0, 1]) and height h to scene points: (..., 3)."""
    return np.stack([(x - 0.5) * SIDE, (y - 0.5) * SIDE, h * Z_SCALE], axis=-1)


def boundary_cells(h: np.ndarray, axis: np.ndarray, s_max: float) -> dict[str, np.ndarray]:
    """One frame of the boundary as (res-1)² quadrilaterals, in the same order for every frame.

    h: (res, res) heights, h[i, j] at (axis[i], axis[j]); NaN = no crossing. Returns corners
    (C, 4, 3) scene points, rgb (C, 3) fill colours and opacity (C,): a cell with a NaN corner lies
    flat with opacity 0 (absent), so between frames it fades in or out as it moves.
    """
    res = len(axis)
    X, Y = np.meshgrid(axis, axis, indexing="ij")  # (res, res) each
    missing = np.isnan(h)  # (res, res)
    h = np.clip(h, -0.5 * s_max, 0.5 * s_max)  # drawn capped where the colour saturates (NaN stays NaN)
    P = to_scene(X, Y, np.where(missing, 0.0, h))  # (res, res, 3)
    i, j = np.meshgrid(np.arange(res - 1), np.arange(res - 1), indexing="ij")  # (res-1, res-1) cell index
    i, j = i.ravel(), j.ravel()  # (C,)
    ci = np.stack([i, i + 1, i + 1, i], axis=1)  # (C, 4): corners counter-clockwise
    cj = np.stack([j, j, j + 1, j + 1], axis=1)  # (C, 4)
    corners = P[ci, cj]  # (C, 4, 3)
    gap = missing[ci, cj].any(axis=1)  # (C,)
    mean_h = np.where(gap, 0.0, np.nan_to_num(h)[ci, cj].mean(axis=1))  # (C,)
    rgb = height_rgb(mean_h, s_max)  # (C, 3)
    return {"corners": corners, "rgb": rgb, "opacity": np.where(gap, 0.0, 0.8)}


def make_surface(n_cells: int) -> VGroup:
    """n_cells empty quadrilaterals; `show` places them."""
    return VGroup(*[Polygon(*np.eye(3), stroke_width=0.4, stroke_color=MUTED) for _ in range(n_cells)])


def show(surface: VGroup, a: dict, b: dict | None = None, alpha: float = 0.0) -> VGroup:
    """Set every cell to frame a, or to (1 - alpha)·a + alpha·b: a morph without copying mobjects."""
    mix = (lambda k: a[k]) if b is None else (lambda k: (1 - alpha) * a[k] + alpha * b[k])
    corners, rgb, opacity = mix("corners"), mix("rgb"), mix("opacity")  # (C, 4, 3), (C, 3), (C,)
    for cell, c, col, op in zip(surface.submobjects, corners, rgb, opacity):
        cell.set_points_as_corners([*c, c[0]])
        cell.set_fill(ManimColor(col), opacity=op)
        cell.set_stroke(opacity=0.5 * op / 0.8)
    return surface


def board(t: np.ndarray, y: np.ndarray, m: int) -> VGroup:
    """The m×m chessboard on the plane h = 0: a tile per training point, coloured by its label, and the point.

    t: (N, 2) the training points' board coordinates, y: (N,) their labels, as E1 saved them
    (`board_t`, `board_y`).
    """
    side = SIDE / (m - 1)  # the grid spacing 1 / (m - 1) in scene units
    group = VGroup()
    for (tx, ty), label in zip(t, y):
        centre = to_scene(np.array(tx), np.array(ty), np.array(0.0))  # (3,)
        tile = Square(side, stroke_width=0).move_to(centre)
        tile.set_fill(class_colour(label), opacity=0.25)
        dot = Dot(centre, radius=0.07, color=class_colour(label))
        group.add(tile, dot)
    return group


class ClingingDimpling(ThreeDScene):
    """E1, the default recipe, on the chessboard: the boundary surface at each saved snapshot, camera circling.

    Class attributes (set by `configured`): result (an E1 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    recipe, seed_index (which of the result's seeds), last_snapshot (stop at this fraction index;
    None = the last), step_seconds (morph time per snapshot).
    """

    result = None
    recipe = "B"
    seed_index = 0
    last_snapshot: int | None = None
    step_seconds = 1.2

    def construct(self):
        r = scene_result(self, "E1")
        tag = f"board_{self.recipe}_s{self.seed_index}"
        frames = r.arrays[f"{tag}_frames"]  # (F, res, res)
        steps, cling, acc = (r.arrays[f"{tag}_{k}"] for k in ("steps", "cling", "accuracy"))  # (F,) each
        axis = r.arrays["board_grid_axis"]  # (res,)
        t, y = r.arrays["board_t"], r.arrays["board_y"]  # (N, 2) board coordinates, (N,) labels
        fractions = r.metrics["fractions"]
        s_max, m = float(r.config["s_max"]), int(r.config["board"])
        last = len(fractions) - 1 if self.last_snapshot is None else int(self.last_snapshot)
        title_card(self, "Clinging and dimpling", f"E1 · recipe {self.recipe} · seed {self.seed_index} · "
                   f"{m}×{m} chessboard", fixed=True,
                   notes=f"E1, recipe {self.recipe}, seed {self.seed_index}, {r.profile} run: a {m}×{m} chessboard on "
                         "a plane in 3-D. The surface is where the network's logit is 0 (its decision boundary), "
                         "coloured by height: vermillion above the board, blue below; gaps: no crossing within "
                         f"±{s_max:g}; heights drawn capped at ±{0.5 * s_max:g}. Snapshots from init to "
                         f"{fraction_label(fractions[last])}; T = the first step with every margin > 0.3. "
                         "Cling = mean |h|: 0 means the boundary lies on the board.")

        self.set_camera_orientation(phi=62 * DEGREES, theta=-55 * DEGREES, zoom=1.0)
        legend = label_key(LABEL).to_corner(UR, buff=0.3)
        self.add_fixed_in_frame_mobjects(legend)
        self.play(FadeIn(board(t, y, m)), run_time=0.6)
        cells = [boundary_cells(frames[j], axis, s_max) for j in range(last + 1)]
        surface = show(make_surface(len(cells[0]["opacity"])), cells[0])
        info = self._info(fractions[0], steps[0], cling[0], acc[0], frames[0], s_max)
        self.add_fixed_in_frame_mobjects(info)
        self.play(FadeIn(surface), run_time=0.8)
        beat(self, 2.5, f"{fraction_label(fractions[0])}: the boundary at initialisation, over the board.")
        self.begin_ambient_camera_rotation(rate=0.12)
        for j in range(1, last + 1):
            self.remove(info)
            info = self._info(fractions[j], steps[j], cling[j], acc[j], frames[j], s_max)
            self.add_fixed_in_frame_mobjects(info)
            a, b = cells[j - 1], cells[j]
            self.play(UpdateFromAlphaFunc(surface, lambda mob, t, a=a, b=b: show(mob, a, b, t)),
                      run_time=self.step_seconds)
            quarter = abs(float(fractions[j]) - 0.25) < 1e-9
            beat(self, 3.0 if quarter or fractions[j] == 1 else 0.3,
                 f"{fraction_label(fractions[j])} (step {int(steps[j]):,}): cling {cling[j]:.2f}, train accuracy "
                 f"{acc[j]:.2f}." + (" 25 % of T: the moment the chapter measures clinging." if quarter else ""))
        self.stop_ambient_camera_rotation()
        self.move_camera(phi=72 * DEGREES, run_time=1.0)  # look along the board: the dimples' depth
        beat(self, 2.0, "Looking along the board: how deep the bumps are.")

    def _info(self, f, step, cling, acc, h, s_max):
        """The snapshot's status (fraction of T, step, cling, accuracy) and a note if no crossing is drawn."""
        lines = [f"{fraction_label(f)}  (step {int(step):,})", f"cling {cling:.2f} · train accuracy {acc:.2f}"]
        block = hud(lines, UL)
        if not np.isfinite(h).any():
            block.add(text(f"no crossing within ±{s_max:g}", LABEL, MUTED).to_corner(DL, buff=0.3))
        return block
