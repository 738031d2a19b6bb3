"""The lecture animations: every scene renders from a saved result, last frames match stored controls.

Regression: each key scene's last frame, rendered at 320x180 from a stored E1 smoke result
(tests/control_frames/E1-smoke, so training-code changes do not move the picture), is compared
with a stored PNG by mean absolute pixel difference; a negative control (another snapshot, another
seed) must fail the same comparison, so the check can fail. A rendered video's sidecar must carry
the content hash of the result it drew. A scene only reads a result: given none it stops with an
error that says how to get one, and it reads a saved folder named in $DMM_EDU_ANIM_RESULT (manim's own
command line, as docs/lecturers.md prints it). Regenerate the control frames after a deliberate change of
a scene with `python tests/test_animations.py --regenerate` (and look at them).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("manim")
from PIL import Image  # noqa: E402  (manim depends on Pillow)

from dmm_edu import animate  # noqa: E402
from dmm_edu.results import load_result  # noqa: E402
from frame_checks import CONTROL, SIZE, control, differs, last_frame, regenerate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEY_SCENES = ("clinging_3d", "line_toy_2d")
FAST = {"step_seconds": 0.2}  # shorter morphs for the video tests; the frames drawn are the same


@pytest.fixture(scope="module")
def stored():
    return load_result(CONTROL / "E1-smoke")


def test_every_scene_is_registered_with_a_scene_class_and_a_fallback_figure():
    from manim import Scene

    from dmm_edu.plots import FIGURES

    for name, spec in animate.SCENES.items():
        assert issubclass(animate.scene_class(name), Scene), name
        figure = spec.fallback.removeprefix(f"{spec.experiment}-").removesuffix(".png")
        assert figure in FIGURES[spec.experiment], spec.fallback


@pytest.mark.parametrize("scene", KEY_SCENES)
def test_last_frame_matches_the_control_frame(scene, stored, tmp_path):
    frame = last_frame(scene, stored, tmp_path)
    assert frame.shape == (SIZE[1], SIZE[0], 3)
    assert frame.std() > 10, "the frame is (nearly) blank"
    assert not differs(frame, control(scene))


@pytest.mark.parametrize("scene", KEY_SCENES)
@pytest.mark.parametrize("change", [{"last_snapshot": 1}, {"seed_index": 1}], ids=["early_snapshot", "other_seed"])
def test_a_different_snapshot_or_seed_fails_the_comparison(scene, change, stored, tmp_path):
    frame = last_frame(scene, stored, tmp_path, **change)
    assert differs(frame, control(scene))


@pytest.mark.slow
def test_video_sidecar_names_the_result_it_draws(tmp_path):
    """Through run_cached, as `dmm-edu animate` does (trains E1 smoke once per session: slow when cold)."""
    from dmm_edu.experiments.base import run_cached

    # the session's cache (tests/conftest.py): its results/ is the run-wide cache other tests fill
    done = animate.render("line_toy_2d", "low", "mp4", "smoke", 0, tmp_path, frame_size=(160, 90), frame_rate=5,
                          fresh=True, **FAST)
    result = run_cached("E1", "smoke", 0)  # the same cached run the render used
    record = json.loads(done.sidecar.read_text())
    assert done.sidecar == tmp_path / "line_toy_2d.mp4.json"
    assert record["content_hash"] == result.content_hash()
    assert (record["experiment"], record["profile"], record["seed"]) == ("E1", "smoke", 0)
    assert animate.is_fresh(done.output, result, "low") and not animate.is_fresh(done.output, result, "high")
    assert Image.open(done.poster).size == (160, 90)
    import av

    with av.open(str(done.output)) as video:
        n_frames = sum(1 for _ in video.decode(video=0))
    assert abs(n_frames - record["duration_s"] * 5) <= 2  # every second of animation at 5 fps is in the file


@pytest.mark.slow
def test_the_3d_scene_renders_a_whole_video(stored, tmp_path):
    done = animate.render("clinging_3d", "low", "mp4", out=tmp_path, result=stored, frame_size=(160, 90),
                          frame_rate=5, **FAST)
    assert done.output.stat().st_size > 1000 and done.duration_s > 5
    assert json.loads(done.sidecar.read_text())["content_hash"] == stored.content_hash()


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="scene"):
        animate.render("no_such_scene")
    with pytest.raises(ValueError, match="quality"):
        animate.render("clinging_3d", quality="ultra")
    with pytest.raises(ValueError, match="fmt"):
        animate.render("clinging_3d", fmt="avi")


def test_a_result_of_another_experiment_is_refused(stored, tmp_path):
    other = SimpleNamespace(experiment="E3")
    with pytest.raises(ValueError, match="E3"):
        animate.render("clinging_3d", out=tmp_path, result=other)


# --- a scene only reads a result --------------------------------------------------------------------

def common():
    animate.scene_class("clinging_3d")  # puts the repository on sys.path
    import animations._common as module

    return module


@pytest.mark.parametrize("scene", list(animate.SCENES))
def test_a_scene_given_no_result_stops_and_says_how_to_get_one(scene, tmp_path, monkeypatch):
    from manim import tempconfig

    _common = common()
    monkeypatch.delenv(_common.RESULT_ENV, raising=False)
    spec = animate.SCENES[scene]
    cls = animate.scene_class(scene)
    with tempconfig({"media_dir": str(tmp_path), "dry_run": True, "disable_caching": True, "verbosity": "ERROR"}):
        with pytest.raises(_common.NoResultError) as err:
            cls().render()
    message = str(err.value)
    for hint in (f"dmm-edu animate {scene}", f"dmm-edu run {spec.experiment} ", "--out", _common.RESULT_ENV,
                 f"manim -ql animations/{spec.module.rsplit('.', 1)[1]}.py {spec.cls}"):
        assert hint in message, (hint, message)


def test_a_scene_reads_the_result_folder_in_the_environment(stored, monkeypatch, tmp_path):
    _common = common()
    scene = type("ClingingDimpling", (), {"result": None})()  # what scene_result looks at
    monkeypatch.setenv(_common.RESULT_ENV, str(CONTROL / "E1-smoke"))
    assert _common.scene_result(scene, "E1").content_hash() == stored.content_hash()
    monkeypatch.setenv(_common.RESULT_ENV, str(CONTROL / "E3-smoke"))
    with pytest.raises(ValueError, match=r"draws an E1 result; got one of E3 \(DMM_EDU_ANIM_RESULT="):
        _common.scene_result(scene, "E1")
    monkeypatch.setenv(_common.RESULT_ENV, str(tmp_path / "nothing"))
    with pytest.raises(FileNotFoundError, match="holds no saved result.*dmm-edu animate clinging_3d"):
        _common.scene_result(scene, "E1")
    scene.result = stored  # the driver's result wins over the environment
    assert _common.scene_result(scene, "E1") is stored


def test_the_scene_modules_never_run_an_experiment(stored, tmp_path, monkeypatch):
    """Rendering from a given result must not touch the cache or the runner (they raise if called)."""
    from dmm_edu.experiments import base

    def forbidden(*args, **kwargs):
        raise AssertionError("a scene ran an experiment")

    monkeypatch.setattr(base, "run_cached", forbidden)
    monkeypatch.setattr(base, "run_experiment", forbidden)
    assert last_frame("line_toy_2d", stored, tmp_path, frame_rate=5).std() > 10


def test_manims_own_command_line_renders_the_folder_in_the_environment(tmp_path):
    """What docs/lecturers.md prints: `DMM_EDU_ANIM_RESULT=DIR PYTHONPATH=. manim -ql animations/... Scene`
    (here with -s, the last frame only, at a small size); without the variable it stops with the hint."""
    import os
    import subprocess

    pytest.importorskip("manim")
    env = {**os.environ, "PYTHONPATH": ".", "DMM_EDU_ANIM_RESULT": str(CONTROL / "E1-smoke")}
    cmd = [sys.executable, "-m", "manim", "render", "-ql", "-s", "-r", "160,90", "--media_dir", str(tmp_path),
           "--disable_caching", "animations/line_toy_2d.py", "LineToyBoundary"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (png,) = tmp_path.rglob("LineToyBoundary*.png")
    assert Image.open(png).size == (160, 90)
    env.pop("DMM_EDU_ANIM_RESULT")
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "dmm-edu animate line_toy_2d" in done.stdout + done.stderr


def test_cli_draws_a_saved_result_folder(tmp_path):
    from click.testing import CliRunner

    from dmm_edu.cli_animate import animate as command

    runner = CliRunner()
    done = runner.invoke(command, ["line_toy_2d", "--result", str(CONTROL / "E1-smoke"), "--format", "png",
                                   "--out", str(tmp_path), "--no-bars"])
    assert done.exit_code == 0, done.output
    record = json.loads((tmp_path / "line_toy_2d.png.json").read_text())
    assert record["content_hash"] == load_result(CONTROL / "E1-smoke").content_hash()
    done = runner.invoke(command, ["random_baseline", "--result", str(CONTROL / "E1-smoke"), "--out", str(tmp_path)])
    assert done.exit_code == 2 and "holds an E1 result" in done.output


# --- the book hook -------------------------------------------------------------------------------

def load_hook():
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("videos_hook", ROOT / "docs" / "hooks" / "videos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(src_uri="chapters/clinging.md", url="chapters/clinging/"):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)


def test_hook_shows_the_static_figure_without_a_video(tmp_path):
    hook = load_hook()
    md = hook.on_page_markdown('before\n{{ video("clinging_3d") }}\nafter', page(), {"docs_dir": str(tmp_path)}, None)
    assert "](../figures/generated/E1-snapshots.png)" in md and "<video" not in md
    assert md.startswith("before\n") and md.endswith("\nafter")


def test_hook_falls_back_on_each_scene_own_figure(tmp_path):
    """line_toy_2d falls back on the line toy's figure, clinging_3d on the chessboard's: each shows its scene only."""
    hook = load_hook()
    md = hook.on_page_markdown('{{ video("line_toy_2d") }}', page(), {"docs_dir": str(tmp_path)}, None)
    assert "E1-line_toy.png" in md and "E1-snapshots.png" not in md
    md = hook.on_page_markdown('{{ video("clinging_3d") }}', page(), {"docs_dir": str(tmp_path)}, None)
    assert "E1-snapshots.png" in md and "E1-line_toy.png" not in md


def test_hook_embeds_a_fresh_video_and_ignores_a_stale_one(tmp_path):
    hook = load_hook()
    videos = tmp_path / hook.VIDEOS
    videos.mkdir(parents=True)
    (videos / "line_toy_2d.mp4").write_bytes(b"not really a video")
    (videos / "line_toy_2d.png").write_bytes(b"poster")
    record = {"experiment": "E1", "profile": "book", "seed": 0, "content_hash": "a" * 64, "duration_s": 17.0}
    animate.sidecar_path(videos / "line_toy_2d.mp4").write_text(json.dumps(record))
    hook._hashes.clear()
    hook._hashes["E1"] = "a" * 64  # the book's result is the one the video drew
    md = hook.on_page_markdown('{{ video("line_toy_2d") }}', page(), {"docs_dir": str(tmp_path)}, None)
    assert '<video controls' in md and 'src="../../figures/generated/videos/line_toy_2d.mp4"' in md
    assert 'poster="../../figures/generated/videos/line_toy_2d.png"' in md
    hook._hashes["E1"] = "b" * 64  # the book now quotes another run: the old video must not be shown
    md = hook.on_page_markdown('{{ video("line_toy_2d") }}', page(), {"docs_dir": str(tmp_path)}, None)
    assert "<video" not in md and "E1-line_toy.png" in md


def test_hook_keeps_the_indentation_of_a_marker_inside_an_admonition(tmp_path):
    hook = load_hook()
    md = '??? example "Watch it"\n    text\n\n    {{ video("clinging_3d") }}\n\nafter'
    out = hook.on_page_markdown(md, page(), {"docs_dir": str(tmp_path)}, None)
    block = out.split("\n\nafter")[0].split("\n")[1:]
    assert len(block) > 3 and all(line.startswith("    ") or not line for line in block)  # all of it stays inside


def test_hook_leaves_a_marker_in_inline_code_alone(tmp_path):
    hook = load_hook()
    md = 'write `{{ video("clinging_3d") }}` on a page'
    assert hook.on_page_markdown(md, page(), {"docs_dir": str(tmp_path)}, None) == md


def test_hook_fails_on_an_unknown_video(tmp_path):
    hook = load_hook()
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="no_such"):
        hook.on_page_markdown('{{ video("no_such") }}', page(), {"docs_dir": str(tmp_path)}, None)


def test_cli_lists_the_scenes_and_rejects_an_unknown_one():
    from click.testing import CliRunner

    from dmm_edu.cli_animate import animate as command

    runner = CliRunner()
    help_text = runner.invoke(command, ["--help"]).output
    assert all(name in help_text for name in animate.SCENES)
    assert runner.invoke(command, ["no_such_scene"]).exit_code == 2


if __name__ == "__main__" and "--regenerate" in sys.argv:
    stored_result = load_result(CONTROL / "E1-smoke")
    regenerate({scene: stored_result for scene in KEY_SCENES})


def test_the_same_render_is_copied_from_the_cache_and_fresh_renders_again(stored, tmp_path, monkeypatch):
    """A render asked again (same scene, settings, result and code) is copied from the cache's renders/;
    another result or fresh=True renders."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    kw = {"out": tmp_path / "a", "result": stored, "frame_size": (160, 90), "frame_rate": 5}
    first = animate.render("line_toy_2d", "low", "png", **kw)
    real = animate.scene_class
    calls = []

    def counting(scene):
        calls.append(scene)
        return real(scene)

    monkeypatch.setattr(animate, "scene_class", counting)
    again = animate.render("line_toy_2d", "low", "png", **{**kw, "out": tmp_path / "b"})
    assert calls == [] and again.output.read_bytes() == first.output.read_bytes()
    assert json.loads(again.sidecar.read_text())["content_hash"] == stored.content_hash()
    animate.render("line_toy_2d", "low", "png", fresh=True, **{**kw, "out": tmp_path / "c"})
    assert calls == ["line_toy_2d"]
    animate.render("line_toy_2d", "low", "png", last_snapshot=1, **{**kw, "out": tmp_path / "d"})  # other settings
    assert calls == ["line_toy_2d"] * 2
