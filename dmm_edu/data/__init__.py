"""The data the book uses: synthetic worlds whose manifold is known exactly, and real images.

- `dmm_edu.data.synthetic`, `dmm_edu.data.toys`: the subspace-k-in-n and sphere worlds, the paper's
  2-D toy and the 3-D chessboard (numpy; each world carries its exact tangent projector).
- `dmm_edu.data.images`: MNIST, Fashion-MNIST and CIFAR-10 (downloaded, verified, cached) and two
  small real sets that ship with the package and work offline, `mnist-bundled` and
  `fashion-mnist-bundled`. `dmm-edu data list` shows what is where.
"""

from dmm_edu.data.image_dataset import ImageDataset
from dmm_edu.data.image_errors import ChecksumMismatchError, CorruptDataError, DatasetUnavailableError
from dmm_edu.data.images import DATASETS as IMAGE_DATASETS
from dmm_edu.data.images import load_dataset, prefetch, status, verify

__all__ = ["IMAGE_DATASETS", "ImageDataset", "load_dataset", "prefetch", "status", "verify",
           "DatasetUnavailableError", "CorruptDataError", "ChecksumMismatchError"]
