"""Adversarial attacks on the torch track: the numpy track's names and AttackResult, on any
torch.nn.Module and inputs of any shape (N, *shape).

- `fgsm`: one signed (L∞) or normalised (L2) gradient step of size eps.
- `pgd`: projected gradient ascent in the L∞ or L2 eps-ball; random starts with restarts, targeted,
  a box, cross-entropy or margin objective, early stopping, recorded paths, and (L2) restricted to
  the tangent or normal space of the data manifold.
- `deepfool`: the minimal L2 perturbation to the boundary, batched, free or restricted.
- `PGD`, `PGDL2`, `FGSM`, `DeepFool`: the same as classes called like torchattacks' attacks.

Importing this package imports torch; `import dmm_edu` does not.
"""

from dmm_edu.attacks.torch_track.deepfool import deepfool
from dmm_edu.attacks.torch_track.fgsm import fgsm
from dmm_edu.attacks.torch_track.pgd import pgd
from dmm_edu.attacks.torch_track.wrappers import FGSM, PGD, PGDL2, DeepFool

__all__ = ["fgsm", "pgd", "deepfool", "FGSM", "PGD", "PGDL2", "DeepFool"]
