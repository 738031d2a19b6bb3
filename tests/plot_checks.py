"""Checks every plot test module runs on its own results: files are written, nothing is trained."""

import importlib

from dmm_edu.plots import FIGURES, plot, save_figures
from dmm_edu.results import load_result, save_result

# everything a figure function must never call: training, attacks, building a world, running an experiment
# (tests/test_plots_read_only.py checks the imports; this checks what runs)
FORBIDDEN = [("dmm_edu.numpy_nn.train", "train"), ("dmm_edu.numpy_nn", "train"),
             ("dmm_edu.attacks", "deepfool"), ("dmm_edu.attacks.deepfool", "deepfool"),
             ("dmm_edu.attacks", "pgd"), ("dmm_edu.attacks.pgd", "pgd"),
             ("dmm_edu.attacks", "fgsm"), ("dmm_edu.attacks.fgsm", "fgsm"),
             ("dmm_edu.data.toys", "chessboard"), ("dmm_edu.data.toys", "line_toy"),
             ("dmm_edu.experiments.base", "run_experiment"), ("dmm_edu.experiments.base", "run_cached"),
             ("dmm_edu.experiments._subspace", "train_model"),
             ("dmm_edu.boundary.distances", "minimal_distances"),
             ("dmm_edu.experiments.e09_adversarial_training", "adversarial_train")]


def check_save_figures(results, experiments, tmp_path):
    for e in experiments:
        paths = save_figures(results[e], tmp_path, dpi=60)
        assert [p.name for p in paths] == [f"{e}-{name}.png" for name in FIGURES[e]]
        for p in paths:
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 2000


def check_never_trains_or_attacks(results, experiments, tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a plot function trained, attacked, built a world or ran an experiment")

    modules = [importlib.import_module(module) for module, _ in FORBIDDEN]  # all imported before any patch,
    for module, (_, name) in zip(modules, FORBIDDEN):  # so no module binds a patched name at import
        monkeypatch.setattr(module, name, forbidden)
    for e in experiments:
        save_result(results[e], tmp_path / e)
        saved = load_result(tmp_path / e)
        for name in FIGURES[e]:
            assert plot(saved, name).axes  # a figure function computes everything it draws when called
