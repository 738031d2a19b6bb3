"""Real image datasets for the book: MNIST, Fashion-MNIST, CIFAR-10, and two small real sets that ship
with the package so that every lab runs offline.

`load_dataset(name, split)` returns an `ImageDataset` with x (N, C, H, W) uint8 and y (N,). Every load
checks what it reads: the decompressed MD5 of each IDX file, the SHA-256 of each CIFAR-10 batch, the
content hash of each bundled .npz, then the format itself. Downloads (`download=True`, `prefetch`)
go to `cache_dir()/datasets/<name>/` and never leave a half-written file. Book page: "data" (the image datasets).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dmm_edu._checks import check_choice
from dmm_edu.data import image_catalog as catalog
from dmm_edu.data.cifar import extract_members, parse_cifar_batch
from dmm_edu.data.download import dataset_dir, fetch, file_digest
from dmm_edu.data.idx import parse_idx, read_payload
from dmm_edu.data.image_catalog import DATASETS, SPLITS, RemoteFile
from dmm_edu.data.image_dataset import ImageDataset
from dmm_edu.data.image_errors import ChecksumMismatchError, CorruptDataError, DatasetUnavailableError

IDX_IMAGE_HW = (28, 28)
BUNDLED_KEYS = ("train_images", "train_labels", "test_images", "test_labels")

__all__ = ["DATASETS", "ImageDataset", "FileCheck", "load_dataset", "prefetch", "verify", "status",
           "npz_content_hash", "DatasetUnavailableError", "CorruptDataError", "ChecksumMismatchError"]


@dataclass(frozen=True)
class FileCheck:
    """The state of one data file: status "ok", "missing" or "bad"; detail says why it is bad."""

    dataset: str
    file: str
    status: str
    path: str | None
    detail: str = ""


def load_dataset(name: str, split: str = "train", *, download: bool = False, progress: bool = True) -> ImageDataset:
    """One split of an image dataset, every file checked before use.

    Args:
        name: "mnist", "fashion-mnist", "cifar10" (cache, downloaded with `download=True`), or the
            offline sets "mnist-bundled" (10,000 real digits, a subset of MNIST training images,
            split by us 8,000 / 2,000) and "fashion-mnist-bundled" (500 / 100 per class of the
            official train / test splits).
        split: "train" or "test".
        download: fetch missing files from the mirrors into the cache.
        progress: show a progress bar while downloading (on a terminal).

    "fashion-mnist" also reads the full set that Debian's package dataset-fashion-mnist installs
    (/usr/share/datasets/fashion-mnist, or $DMM_EDU_FASHION_MNIST_DIR) when the cache lacks it.

    Returns:
        ImageDataset: images (N, 1, 28, 28) or (N, 3, 32, 32) uint8, labels (N,) int64.

    Raises:
        DatasetUnavailableError: a file is missing and `download` is False, or every mirror failed.
        CorruptDataError (ChecksumMismatchError): a file is damaged or not the published one.
        PermissionError: the cache folder is not writable (set DMM_EDU_CACHE).
    """
    name = check_choice("name", name, DATASETS)
    split = check_choice("split", split, SPLITS)
    if name in catalog.BUNDLED:
        arrays = _read_bundled(name)
        x = arrays[f"{split}_images"][:, None]  # (N, 28, 28) -> (N, 1, 28, 28)
        return ImageDataset(x, arrays[f"{split}_labels"].astype(np.int64), catalog.CLASSES[name], name, split,
                            "bundled")
    if name in catalog.CIFAR_NAMES:
        return _load_cifar(split, download, progress)
    return _load_idx(name, split, download, progress)


def prefetch(name: str, *, progress: bool = True) -> list[Path]:
    """Make dataset `name` loadable offline: download each file that is missing or damaged; return the files.

    A file already cached (or installed by the system) that passes its checks is not fetched again.
    """
    name = check_choice("name", name, DATASETS)
    if name in catalog.BUNDLED:
        _read_bundled(name)
        return [_bundled_path(name)]
    if name in catalog.CIFAR_NAMES:
        if any(c.status != "ok" for c in verify(name)):
            _fetch_cifar(progress)
        return [_cifar_dir() / f for f in catalog.CIFAR10_BATCHES]
    paths = []
    for split in SPLITS:
        for remote, ndim in zip(catalog.IDX_FILES[name][split], (3, 1)):
            where = _locate(name, remote)
            try:
                if where is None:
                    raise FileNotFoundError(remote.filename)
                _read_idx_file(where[0], remote, ndim)
                paths.append(where[0])
            except (FileNotFoundError, CorruptDataError):
                path = _fetch_idx(name, remote, progress)
                _read_idx_file(path, remote, ndim)
                paths.append(path)
    return paths


def verify(name: str) -> list[FileCheck]:
    """Check every file of dataset `name` where the loader would read it: one FileCheck per file."""
    name = check_choice("name", name, DATASETS)
    if name in catalog.BUNDLED:
        files = [(_bundled_path(name), lambda: _read_bundled(name))]
    elif name in catalog.CIFAR_NAMES:
        files = [(_cifar_dir() / f, lambda f=f: _read_cifar_batch(_cifar_dir() / f, catalog.CIFAR10_BATCHES[f]))
                 for f in catalog.CIFAR10_BATCHES]
    else:
        files = []
        for split in SPLITS:
            for remote, ndim in zip(catalog.IDX_FILES[name][split], (3, 1)):
                where = _locate(name, remote)
                path = where[0] if where else dataset_dir(name) / remote.filename
                files.append((path, lambda p=path, r=remote, d=ndim: _read_idx_file(p, r, d)))
    checks = []
    for path, read in files:
        if not path.exists():
            checks.append(FileCheck(name, path.name, "missing", None))
            continue
        try:
            read()
            checks.append(FileCheck(name, path.name, "ok", str(path)))
        except (CorruptDataError, OSError) as exc:
            checks.append(FileCheck(name, path.name, "bad", str(path), str(exc)))
    return checks


def status() -> list[dict]:
    """For each dataset: its split sizes, where it is ("bundled", "cached", "system:<folder>", "partial",
    "missing") and a description. Only looks at which files exist; `verify` checks their contents."""
    rows = []
    for name in DATASETS:
        if name in catalog.BUNDLED:
            path = _bundled_path(name)
            where = "bundled" if path.exists() else "missing"
            folder = path.parent
        elif name in catalog.CIFAR_NAMES:
            folder = _cifar_dir()
            found = sum((folder / f).exists() for f in catalog.CIFAR10_BATCHES)
            where = _where(["cache"] * found, len(catalog.CIFAR10_BATCHES))
        else:
            found = [w for split in SPLITS for r in catalog.IDX_FILES[name][split] if (w := _locate(name, r))]
            where = _where([source for _, source in found], 2 * len(SPLITS))
            folder = found[0][0].parent if found else dataset_dir(name)
        rows.append({"name": name, "train": catalog.SIZES[name]["train"], "test": catalog.SIZES[name]["test"],
                     "where": where, "folder": str(folder), "description": catalog.DESCRIPTIONS[name]})
    return rows


def npz_content_hash(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over each array's name, dtype, shape and bytes, in name order (independent of zip details)."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def how_to_get(name: str) -> str:
    """Advice for a reader who lacks dataset `name`: the download command and what works offline."""
    lines = [f"To download it, with a network connection run "
             f"`dmm-edu data prefetch {name}` or call load_dataset({name!r}, download=True); files go to "
             f"{dataset_dir(name)} (set DMM_EDU_CACHE to move the cache)."]
    if name == "fashion-mnist":
        lines.append("On Debian or Ubuntu, `apt-get install dataset-fashion-mnist` installs the full set in "
                     f"{catalog.SYSTEM_DIRS['fashion-mnist']}, which dmm_edu reads with no network.")
    if name in catalog.OFFLINE_SETS:
        offline = catalog.OFFLINE_SETS[name]
        lines.append(f"Offline, load_dataset({offline!r}) works with no network: {catalog.DESCRIPTIONS[offline]}.")
    else:
        lines.append("No subset of it ships with dmm_edu; offline, 'mnist-bundled' and 'fashion-mnist-bundled' "
                     "are real image sets that work with no network.")
    return "\n".join(lines)


def _where(sources: list[str], n_files: int) -> str:
    if not sources:
        return "missing"
    if len(sources) < n_files:
        return f"partial ({len(sources)}/{n_files} files)"
    return "cached" if set(sources) == {"cache"} else next(s for s in sources if s != "cache")


# ---- IDX datasets: MNIST, Fashion-MNIST ----

def _locate(name: str, remote: RemoteFile) -> tuple[Path, str] | None:
    """(path, source) of a file: the cache first, then the system folder (source "system:<folder>")."""
    cached = dataset_dir(name) / remote.filename
    if cached.exists():
        return cached, "cache"
    folder = catalog.system_dir(name)
    if folder is not None and (folder / remote.filename).is_file():
        return folder / remote.filename, f"system:{folder}"
    return None


def _read_idx_file(path: Path, remote: RemoteFile, ndim: int) -> np.ndarray:
    """The array in one IDX file after checking the MD5 of its decompressed bytes and its format."""
    payload = read_payload(path)
    md5 = hashlib.md5(payload).hexdigest()
    if remote.payload_md5 and md5 != remote.payload_md5:
        raise ChecksumMismatchError(f"{path}: the decompressed MD5 is {md5}, expected {remote.payload_md5}; the "
                                    "file is damaged or not the published one")
    return parse_idx(payload, ndim=ndim, source=str(path))


def _fetch_idx(name: str, remote: RemoteFile, progress: bool) -> Path:
    return fetch(remote.filename, catalog.MIRRORS[name], dataset_dir(name), md5=remote.md5, sha256=remote.sha256,
                 progress=progress, how_to_get=how_to_get(name))


def _idx_array(name: str, split: str, remote: RemoteFile, ndim: int, download: bool, progress: bool):
    where = _locate(name, remote)
    if where is None:
        if not download:
            raise DatasetUnavailableError(f"{name} {split}: {remote.filename} is not in the cache "
                                          f"({dataset_dir(name)}).\n{how_to_get(name)}")
        where = _fetch_idx(name, remote, progress), "cache"
    path, source = where
    try:
        return _read_idx_file(path, remote, ndim), source
    except CorruptDataError as exc:
        fix = (f"run `dmm-edu data prefetch {name}` to download it again" if source == "cache" else
               f"reinstall the system package or set {catalog.SYSTEM_DIR_ENV.get(name, 'DMM_EDU_CACHE')}")
        raise type(exc)(f"{exc}\nTo repair it, {fix}.") from exc


def _load_idx(name: str, split: str, download: bool, progress: bool) -> ImageDataset:
    images_file, labels_file = catalog.IDX_FILES[name][split]
    x, x_source = _idx_array(name, split, images_file, 3, download, progress)  # (N, 28, 28)
    y, y_source = _idx_array(name, split, labels_file, 1, download, progress)  # (N,)
    if x.shape[1:] != IDX_IMAGE_HW:
        raise CorruptDataError(f"{name} {split}: images are {x.shape[1:]} pixels; expected {IDX_IMAGE_HW}")
    if len(x) != len(y):
        raise CorruptDataError(f"{name} {split}: {len(x)} images but {len(y)} labels")
    if y.size and y.max() >= len(catalog.CLASSES[name]):
        raise CorruptDataError(f"{name} {split}: label {int(y.max())} found; labels are 0..{len(catalog.CLASSES[name]) - 1}")
    source = x_source if x_source == y_source else f"{x_source}+{y_source}"
    return ImageDataset(x[:, None], y.astype(np.int64), catalog.CLASSES[name], name, split, source)  # (N, 1, 28, 28)


# ---- CIFAR-10, binary version ----

def _cifar_dir() -> Path:
    return dataset_dir("cifar10") / catalog.CIFAR10_FOLDER


def _read_cifar_batch(path: Path, sha256: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(x (N, 3, 32, 32) uint8, y (N,) int64) of one batch file after checking its SHA-256 and format."""
    if not path.is_file():
        raise CorruptDataError(f"{path}: not a regular file (a folder, or a link to nothing); expected a CIFAR-10 "
                               "binary batch")
    if sha256:
        got = file_digest(path, "sha256")
        if got != sha256:
            raise ChecksumMismatchError(f"{path}: SHA-256 is {got}, expected {sha256}; the file is damaged")
    return parse_cifar_batch(path.read_bytes(), source=str(path))


def _fetch_cifar(progress: bool) -> Path:
    """Download the archive (MD5 + SHA-256 checked), unpack the batches (each checked), delete the archive."""
    folder = dataset_dir("cifar10")
    archive = fetch(catalog.CIFAR10_ARCHIVE.filename, catalog.MIRRORS["cifar10"], folder,
                    md5=catalog.CIFAR10_ARCHIVE.md5, sha256=catalog.CIFAR10_ARCHIVE.sha256, progress=progress,
                    how_to_get=how_to_get("cifar10"))

    def check(part: Path) -> None:
        for f, sha256 in catalog.CIFAR10_BATCHES.items():
            _read_cifar_batch(part / f, sha256)

    wanted = {f"{catalog.CIFAR10_FOLDER}/{f}": f for f in (*catalog.CIFAR10_BATCHES, *catalog.CIFAR10_EXTRA)}
    try:
        return extract_members(archive, wanted, _cifar_dir(), check=check)
    finally:
        archive.unlink(missing_ok=True)  # 163 MB: the checked batches are what we keep


def _load_cifar(split: str, download: bool, progress: bool) -> ImageDataset:
    files = catalog.CIFAR10_SPLITS[split]
    if not all((_cifar_dir() / f).exists() for f in files):
        if not download:
            raise DatasetUnavailableError(f"cifar10 {split}: the batch files are not in the cache ({_cifar_dir()})."
                                          f"\n{how_to_get('cifar10')}")
        _fetch_cifar(progress)
    xs, ys = [], []
    for f in files:
        try:
            x, y = _read_cifar_batch(_cifar_dir() / f, catalog.CIFAR10_BATCHES[f])
        except CorruptDataError as exc:
            raise type(exc)(f"{exc}\nTo repair it, run `dmm-edu data prefetch cifar10`.") from exc
        xs.append(x)
        ys.append(y)
    return ImageDataset(np.concatenate(xs), np.concatenate(ys), catalog.CLASSES["cifar10"], "cifar10", split,
                        "cache")  # (N, 3, 32, 32), (N,)


# ---- bundled sets ----

def _bundled_path(name: str) -> Path:
    return Path(catalog.BUNDLED_DIR) / catalog.BUNDLED[name].filename


def _read_bundled(name: str) -> dict[str, np.ndarray]:
    """The arrays of a bundled .npz after checking its keys, dtypes and content hash."""
    path = _bundled_path(name)
    if not path.exists():
        raise DatasetUnavailableError(f"{path} is missing: this dmm_edu installation is incomplete; reinstall dmm-edu")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CorruptDataError(f"{path}: not a readable .npz ({exc}); reinstall dmm-edu") from exc
    if sorted(arrays) != sorted(BUNDLED_KEYS):
        raise CorruptDataError(f"{path}: holds {sorted(arrays)}; expected {sorted(BUNDLED_KEYS)}")
    got = npz_content_hash(arrays)
    if got != catalog.BUNDLED[name].content_sha256:
        raise ChecksumMismatchError(f"{path}: content SHA-256 is {got}, expected {catalog.BUNDLED[name].content_sha256}; "
                                    "the installation is damaged: reinstall dmm-edu")
    for split in SPLITS:
        x, y = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if x.dtype != np.uint8 or x.ndim != 3 or len(x) != len(y):
            raise CorruptDataError(f"{path}: {split} arrays have shapes {x.shape}, {y.shape}")
    return arrays
