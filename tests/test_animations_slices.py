"""The two slice scenes (adversarial_step: E5, adversarial_training: E9) and their fallback figures.

Regression as in test_animations.py: each scene's last frame, rendered at 320x180 from a stored
smoke result (tests/control_frames/E5-smoke, E9-smoke, so training-code changes do not move the
picture), is compared with a stored PNG; a negative control (another sliced point, another init
scale) must fail the same comparison, so the check can fail. The figures "slices" of E5 and E9 must
draw the stored arrays. Regenerate the control frames after a deliberate change of a scene with
`python tests/test_animations_slices.py --regenerate` (and look at them).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

pytest.importorskip("manim")

from dmm_edu import animate  # noqa: E402
from dmm_edu.results import load_result  # noqa: E402
from frame_checks import CONTROL, SIZE, control, differs, last_frame, regenerate  # noqa: E402

SCENES = {"adversarial_step": "E5-smoke", "adversarial_training": "E9-smoke"}
NEGATIVE = {"adversarial_step": [{"slice_index": 1}, {"scale": 0.5}],
            "adversarial_training": [{"slice_index": 1}, {"slice_index": 2}]}


@pytest.fixture(scope="module")
def stored():
    return {scene: load_result(CONTROL / folder) for scene, folder in SCENES.items()}


def test_the_scenes_are_registered_with_their_experiment_and_fallback_figure():
    from dmm_edu.plots import FIGURES

    for scene, folder in SCENES.items():
        spec = animate.SCENES[scene]
        assert spec.experiment == folder.split("-")[0]
        assert spec.fallback == f"{spec.experiment}-slices.png" and "slices" in FIGURES[spec.experiment]
        assert animate.scene_class(scene).__name__ == spec.cls


@pytest.mark.parametrize("scene", SCENES)
def test_last_frame_matches_the_control_frame(scene, stored, tmp_path):
    frame = last_frame(scene, stored[scene], tmp_path)
    assert frame.shape == (SIZE[1], SIZE[0], 3)
    assert frame.std() > 10, "the frame is (nearly) blank"
    assert not differs(frame, control(scene))


@pytest.mark.parametrize("scene, change", [(s, c) for s, cs in NEGATIVE.items() for c in cs],
                         ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}{w}" for k, w in v.items()))
def test_another_point_or_init_scale_fails_the_comparison(scene, change, stored, tmp_path):
    frame = last_frame(scene, stored[scene], tmp_path, **change)
    assert differs(frame, control(scene))


@pytest.mark.parametrize("scene, change, match", [
    ("adversarial_step", {"slice_index": 99}, "slice_index=99"),
    ("adversarial_step", {"scale": 7.0}, "c = 7"),
    ("adversarial_training", {"slice_index": -1}, "slice_index=-1"),
])
def test_a_missing_slice_is_refused_by_name(scene, change, match, stored, tmp_path):
    with pytest.raises(ValueError, match=match):
        animate.render(scene, "low", "png", out=tmp_path, result=stored[scene], frame_size=(64, 36), **change)


@pytest.mark.slow
def test_both_scenes_render_whole_videos(stored, tmp_path):
    for scene in SCENES:
        done = animate.render(scene, "low", "mp4", out=tmp_path, result=stored[scene], frame_size=(160, 90),
                              frame_rate=5, step_seconds=0.3)
        assert done.output.stat().st_size > 1000 and done.duration_s > 5
        assert json.loads(done.sidecar.read_text())["content_hash"] == stored[scene].content_hash()


# --- the fallback figures draw the stored slices -------------------------------------------------


def contour_sets(ax):
    from matplotlib.contour import ContourSet

    return [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]


def boundary_vertices(ax) -> np.ndarray:
    """The vertices of the first (solid, black) m = 0 contour drawn in ax: (P, 2)."""
    (first, *_) = contour_sets(ax)
    assert list(first.levels) == [0.0]
    return np.concatenate([p.vertices for p in first.get_paths() if len(p.vertices)])


def expected_vertices(a, b, z) -> np.ndarray:
    import contourpy

    return np.concatenate(contourpy.contour_generator(a, b, np.asarray(z, dtype=np.float64)).lines(0.0))


def arrow_tips(ax) -> dict[str, float]:
    """{'u': length, 'v': length} of the arrows drawn from the origin (annotations with an arrow)."""
    tips = {}
    for t in ax.texts:
        if getattr(t, "arrow_patch", None) is not None:
            x, y = t.xy
            tips["u" if y == 0 else "v"] = x if y == 0 else y
    return tips


def drawn_panels(result, *names):
    """The data panels of the named figures, in order (a spare panel that holds the legend is switched off)."""
    from dmm_edu.plots import plot

    panels = []
    for name in names:
        fig = plot(result, name)
        fig.canvas.draw()
        panels += [ax for ax in fig.axes if ax.axison]
    return panels


def test_e5_slices_figure_draws_the_stored_boundaries_and_distances(stored):
    r = stored["adversarial_step"]
    cs = [float(c) for c in r.config["init_scales"]]
    S = r.config["slice_points"]
    # `slices`: the first point at every c; `slices_more`: the others, c by c
    order = [(c, 0) for c in cs] + [(c, s) for c in cs for s in range(1, S)]
    for ax, (c, s) in zip(drawn_panels(r, "slices", "slices_more"), order, strict=True):
        tag = f"c{c:g}"
        a, z = r.arrays[f"slice_axis_u_{tag}"][s], r.arrays[f"slice_logit_{tag}"][s]
        got, want = boundary_vertices(ax), expected_vertices(a, a, z)
        assert got.shape == want.shape
        np.testing.assert_allclose(np.sort(got, axis=0), np.sort(want, axis=0), atol=1e-6)
        tips = arrow_tips(ax)
        assert tips["u"] == pytest.approx(r.arrays[f"slice_d_on_{tag}"][s])
        assert tips["v"] == pytest.approx(r.arrays[f"slice_d_off_{tag}"][s])
        assert ax.get_xlabel() and ax.get_ylabel() and tag.replace("c", "c = ") in ax.get_title()


def test_e9_slices_figure_puts_both_networks_in_the_same_plane(stored):
    r = stored["adversarial_training"]
    S = r.config["slice_points"]
    axes = np.array(drawn_panels(r, "slices", "slices_more")).reshape(S, 2)  # a row per point: standard | AT
    for s in range(S):
        a = r.arrays["slice_axis_u"][s]
        ax_s, ax_a = axes[s]
        assert ax_s.get_xlim() == ax_a.get_xlim() and ax_s.get_ylim() == ax_a.get_ylim()
        for ax, m in ((ax_s, "standard"), (ax_a, "adversarial")):
            got, want = boundary_vertices(ax), expected_vertices(a, a, r.arrays[f"slice_logit_{m}"][s])
            np.testing.assert_allclose(np.sort(got, axis=0), np.sort(want, axis=0), atol=1e-6)
        ghost = np.concatenate([p.vertices for p in contour_sets(ax_a)[1].get_paths()])  # the standard one, dashed
        np.testing.assert_allclose(np.sort(ghost, axis=0), np.sort(boundary_vertices(ax_s), axis=0), atol=1e-6)
        assert arrow_tips(ax_s) == pytest.approx({"u": r.arrays["slice_d_on_standard"][s],
                                                  "v": r.arrays["slice_d_off_standard"][s]})
        at = {ax_: float(r.arrays[f"slice_cross_{ax_}_adversarial"][s]) for ax_ in "uv"}
        assert arrow_tips(ax_a) == pytest.approx({k: v for k, v in at.items() if np.isfinite(v)})


def test_the_figures_never_train_or_attack(stored, tmp_path, monkeypatch):
    from plot_checks import check_never_trains_or_attacks

    results = {"E5": stored["adversarial_step"], "E9": stored["adversarial_training"]}
    check_never_trains_or_attacks(results, ("E5", "E9"), tmp_path, monkeypatch)


def test_a_result_without_slices_is_refused_with_a_reason(stored):
    import dataclasses

    from dmm_edu.plots import plot

    for r in stored.values():
        old = dataclasses.replace(r, arrays={k: v for k, v in r.arrays.items() if not k.startswith("slice_")})
        with pytest.raises(ValueError, match="no slices"):
            plot(old, "slices")


if __name__ == "__main__" and "--regenerate" in sys.argv:
    regenerate({scene: load_result(CONTROL / folder) for scene, folder in SCENES.items()})
