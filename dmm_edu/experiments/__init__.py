"""The book's experiments: one module per claim, each a config dataclass and a `run`.

`registry.EXPERIMENTS` is the catalogue `dmm-edu list` prints (ids E1…E14 from the design).
"""

from dmm_edu.experiments.registry import EXPERIMENTS, ExperimentSpec, get_experiment

__all__ = ["EXPERIMENTS", "ExperimentSpec", "get_experiment"]
