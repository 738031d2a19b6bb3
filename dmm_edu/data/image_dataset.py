"""A labelled set of images as the book's code uses it: x (N, C, H, W), y (N,), and the class names.

Pixels stay uint8 as stored; `x_float` gives x in [0, 1] (the box every attack clips to), `flat`
gives the (N, D) rows the numpy track trains on, `to_torch` the tensors of the torch track.
Book page: "data" (the image datasets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_positive_int, check_rng


@dataclass(frozen=True)
class ImageDataset:
    """One split of an image dataset.

    images: (N, C, H, W) uint8 pixels (C = 1 for MNIST and Fashion-MNIST, 3 for CIFAR-10).
    labels: (N,) int64 class indices in 0..len(classes)-1.
    classes: the class names, classes[k] for label k.
    name: the dataset ("mnist", "fashion-mnist", "cifar10", "mnist-bundled", "fashion-mnist-bundled").
    split: "train" or "test".
    source: where the pixels came from: "bundled", "cache", or "system:<folder>".
    """

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    name: str
    split: str
    source: str

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise ValueError(f"images must be a uint8 array (N, C, H, W); got shape {self.images.shape}, "
                             f"dtype {self.images.dtype}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"labels must have shape ({len(self.images)},); got {self.labels.shape}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        return tuple(self.images.shape[1:])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def x_float(self) -> np.ndarray:
        """x: (N, C, H, W) float32 in [0, 1], x = pixel / 255."""
        return self.images.astype(np.float32) / np.float32(255.0)  # (N, C, H, W)

    def flat(self) -> np.ndarray:
        """x: (N, D) float32 in [0, 1] with D = C·H·W, each row one image (channels, rows, columns)."""
        return self.x_float().reshape(len(self), -1)  # (N, C·H·W)

    def subset(self, n_per_class: int, rng: np.random.Generator) -> ImageDataset:
        """A class-balanced subset: n_per_class images of every class, drawn without replacement by `rng`,
        kept in their original order. Raises ValueError if some class has fewer images."""
        n_per_class = check_positive_int("n_per_class", n_per_class)
        rng = check_rng("rng", rng)
        counts = np.bincount(self.labels, minlength=self.n_classes)  # (K,)
        if counts.min() < n_per_class:
            k = int(np.argmin(counts))
            raise ValueError(f"n_per_class={n_per_class} is not accepted: class {k} ({self.classes[k]!r}) of "
                             f"{self.name} {self.split} has only {counts[k]} images")
        keep = np.concatenate([rng.choice(np.flatnonzero(self.labels == k), size=n_per_class, replace=False)
                               for k in range(self.n_classes)])  # (K · n_per_class,)
        keep.sort()
        return ImageDataset(self.images[keep], self.labels[keep], self.classes, self.name, self.split, self.source)

    def to_torch(self, device=None):
        """(x, y) as torch tensors: x (N, C, H, W) float32 in [0, 1], y (N,) int64, on `device`
        (None: the CPU; "auto": dmm_edu.torch_nn.pick_device's choice; else a torch device name)."""
        import torch

        if isinstance(device, str) and device == "auto":
            import importlib  # by name: the data layer does not depend on the torch track, nor does its code hash

            device = importlib.import_module("dmm_edu.torch_nn.device").pick_device("auto")
        elif device is not None:
            try:
                device = torch.device(device)
            except (RuntimeError, ValueError, TypeError) as exc:
                raise ValueError(f"device={device!r} is not accepted; expected None, 'auto', 'cpu', 'cuda', "
                                 "'cuda:<index>', 'mps' or a torch.device") from exc
        x = torch.from_numpy(self.x_float()).to(device)  # (N, C, H, W)
        y = torch.from_numpy(self.labels.astype(np.int64)).to(device)  # (N,)
        return x, y

    def __repr__(self) -> str:
        return (f"ImageDataset(name={self.name!r}, split={self.split!r}, n={len(self)}, shape={self.shape}, "
                f"classes={self.n_classes}, source={self.source!r})")
