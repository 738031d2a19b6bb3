"""Loading MNIST, Fashion-MNIST, CIFAR-10 and the bundled sets: every file checked, every failure explained.

The full datasets are replaced by tiny generated files served from file:// or 127.0.0.1; the bundled
sets are the real ones that ship with the package.
"""

import gzip
import tarfile

import numpy as np
import pytest
from data_fixtures import dead_url, gz, make_cifar_archive, make_idx_set, md5, serve, use_idx_set

from dmm_edu.data import image_catalog as catalog
from dmm_edu.data.cifar import cifar_bytes, parse_cifar_batch
from dmm_edu.data.idx import IdxFormatError, idx_bytes
from dmm_edu.data.images import (
    ChecksumMismatchError,
    CorruptDataError,
    DatasetUnavailableError,
    ImageDataset,
    load_dataset,
    npz_content_hash,
    prefetch,
    status,
    verify,
)


@pytest.fixture
def env(tmp_path, monkeypatch, rng):
    """An empty cache, no system Fashion-MNIST, and a generated MNIST-like set behind file:// mirrors."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DMM_EDU_FASHION_MNIST_DIR", str(tmp_path / "no-system"))
    generated = make_idx_set(tmp_path / "mirror", rng)
    for name in catalog.IDX_NAMES:
        use_idx_set(monkeypatch, name, generated["table"], [dead_url(), (tmp_path / "mirror").as_uri()])
    generated.update(tmp=tmp_path, cache=tmp_path / "cache" / "datasets")
    return generated


def put_in_cache(env, name, filename, data):
    folder = env["cache"] / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(data)


def go_offline(monkeypatch):
    for name in catalog.MIRRORS:
        monkeypatch.setitem(catalog.MIRRORS, name, [dead_url()])


# ---- MNIST / Fashion-MNIST from the mirrors and the cache ----

def test_download_then_load_offline(env, monkeypatch):
    for split in ("train", "test"):
        ds = load_dataset("mnist", split, download=True, progress=False)
        x, y = env["arrays"][split]
        np.testing.assert_array_equal(ds.images, x[:, None])
        np.testing.assert_array_equal(ds.labels, y)
        assert ds.images.dtype == np.uint8 and ds.labels.dtype == np.int64 and ds.shape == (1, 28, 28)
        assert (ds.name, ds.split, ds.source, ds.classes[3]) == ("mnist", split, "cache", "3")
    assert sorted(p.name for p in (env["cache"] / "mnist").iterdir()) == sorted(
        r.filename for s in env["table"].values() for r in s)  # the four files, no .part
    go_offline(monkeypatch)
    assert len(load_dataset("mnist", "train")) == len(env["arrays"]["train"][0])


def test_the_local_http_server_path(env, monkeypatch):
    with serve(env["tmp"] / "mirror") as url:
        monkeypatch.setitem(catalog.MIRRORS, "mnist", [url])
        assert len(load_dataset("mnist", "test", download=True, progress=False)) == 10


def test_missing_without_download_says_how_to_get_it(env):
    with pytest.raises(DatasetUnavailableError) as err:
        load_dataset("mnist", "train")
    message = str(err.value)
    for advice in ("dmm-edu data prefetch mnist", "download=True", "'mnist-bundled'", "DMM_EDU_CACHE"):
        assert advice in message
    assert not (env["cache"] / "mnist").exists()  # looking does not create folders


def test_offline_download_names_the_bundled_set(env, monkeypatch):
    go_offline(monkeypatch)
    with pytest.raises(DatasetUnavailableError, match="'fashion-mnist-bundled'.*no network") as err:
        load_dataset("fashion-mnist", "test", download=True, progress=False)
    assert "apt-get install dataset-fashion-mnist" in str(err.value)
    assert list((env["cache"] / "fashion-mnist").iterdir()) == []


def test_regzipped_copies_are_accepted(env, monkeypatch):
    go_offline(monkeypatch)
    for remotes in env["table"].values():
        for remote in remotes:
            payload = gzip.decompress((env["tmp"] / "mirror" / remote.filename).read_bytes())
            again = gz(payload, mtime=1234567, level=1)  # another gzip of the same payload
            assert md5(again) != remote.md5
            put_in_cache(env, "mnist", remote.filename, again)
    np.testing.assert_array_equal(load_dataset("mnist", "train").labels, env["arrays"]["train"][1])
    assert all(c.status == "ok" for c in verify("mnist"))


def test_a_damaged_cached_file_is_caught_and_prefetch_repairs_it(env):
    prefetch("mnist", progress=False)
    images = env["cache"] / "mnist" / "train-images-idx3-ubyte.gz"
    payload = bytearray(gzip.decompress(images.read_bytes()))
    payload[-1] ^= 1  # one pixel changed: the checksum must notice
    images.write_bytes(gz(bytes(payload)))
    with pytest.raises(ChecksumMismatchError, match=r"decompressed MD5(.|\n)*dmm-edu data prefetch mnist"):
        load_dataset("mnist", "train")
    assert [c.status for c in verify("mnist")] == ["bad", "ok", "ok", "ok"]
    prefetch("mnist", progress=False)
    assert [c.status for c in verify("mnist")] == ["ok"] * 4
    np.testing.assert_array_equal(load_dataset("mnist", "train").images[:, 0], env["arrays"]["train"][0])


def test_a_truncated_gzip_in_the_cache_is_caught(env):
    data = (env["tmp"] / "mirror" / "t10k-images-idx3-ubyte.gz").read_bytes()
    put_in_cache(env, "mnist", "t10k-images-idx3-ubyte.gz", data[: len(data) // 2])
    with pytest.raises(CorruptDataError, match="not a complete gzip file"):
        load_dataset("mnist", "test")


def damaged_idx(kind, rng):
    """(images payload, labels payload, error type, message) for one kind of damage."""
    x = rng.integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    y = np.arange(10, dtype=np.uint8)
    if kind == "magic":
        return b"\x00\x01" + idx_bytes(x)[2:], idx_bytes(y), IdxFormatError, "not an IDX magic"
    if kind == "dims":
        return idx_bytes(x), idx_bytes(y.reshape(5, 2)), IdxFormatError, "2 dimensions; expected 1"
    if kind == "length":
        return idx_bytes(x)[:-28], idx_bytes(y), IdxFormatError, "truncated"
    if kind == "size":
        return idx_bytes(x[:, :27]), idx_bytes(y), CorruptDataError, r"\(27, 28\) pixels"
    if kind == "count":
        return idx_bytes(x), idx_bytes(y[:9]), CorruptDataError, "10 images but 9 labels"
    return idx_bytes(x), idx_bytes(np.full(10, 10, np.uint8)), CorruptDataError, "label 10"


@pytest.mark.parametrize("kind", ["magic", "dims", "length", "size", "count", "label"])
def test_damaged_idx_files_with_matching_checksums_are_refused(env, monkeypatch, rng, kind):
    images, labels, error, match = damaged_idx(kind, rng)
    remotes = []
    for remote, payload in zip(env["table"]["test"], (images, labels)):
        put_in_cache(env, "fashion-mnist", remote.filename, gz(payload))
        remotes.append(catalog.RemoteFile(remote.filename, "unused", None, md5(payload)))
    monkeypatch.setitem(catalog.IDX_FILES, "fashion-mnist", {**env["table"], "test": tuple(remotes)})
    with pytest.raises(error, match=match):
        load_dataset("fashion-mnist", "test")


def test_fashion_mnist_from_the_system_folder(env, monkeypatch):
    system = env["tmp"] / "system"
    system.mkdir()
    for remotes in env["table"].values():
        for remote in remotes:  # Debian re-gzips: other .gz bytes, same payload
            payload = gzip.decompress((env["tmp"] / "mirror" / remote.filename).read_bytes())
            (system / remote.filename).write_bytes(gz(payload, mtime=99, level=6))
    monkeypatch.setenv("DMM_EDU_FASHION_MNIST_DIR", str(system))
    go_offline(monkeypatch)
    ds = load_dataset("fashion-mnist", "train")
    assert ds.source == f"system:{system}" and ds.classes[9] == "Ankle boot"
    np.testing.assert_array_equal(ds.labels, env["arrays"]["train"][1])
    assert {c.path for c in verify("fashion-mnist")} == {str(system / r.filename) for s in env["table"].values()
                                                         for r in s}
    assert prefetch("fashion-mnist", progress=False)[0].parent == system  # nothing to download
    assert {r["name"]: r["where"] for r in status()}["fashion-mnist"] == f"system:{system}"


def test_an_unwritable_cache_is_a_clear_error(env, monkeypatch):
    blocker = env["tmp"] / "blocker"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("DMM_EDU_CACHE", str(blocker / "cache"))
    with pytest.raises(PermissionError, match=r"blocker/cache/datasets/mnist.*DMM_EDU_CACHE"):
        load_dataset("mnist", download=True, progress=False)


def test_bad_names_and_splits_are_refused():
    with pytest.raises(ValueError, match=r"name='emnist'.*'mnist-bundled'"):
        load_dataset("emnist")
    with pytest.raises(ValueError, match=r"split='val'.*\['train', 'test'\]"):
        load_dataset("mnist-bundled", "val")


# ---- CIFAR-10 binary ----

@pytest.fixture
def cifar(env, monkeypatch, rng):
    def build(extra_members=()):
        made = make_cifar_archive(env["tmp"] / "mirror" / "cifar-10-binary.tar.gz", rng, n=30,
                                  extra_members=extra_members)
        monkeypatch.setattr(catalog, "CIFAR10_ARCHIVE", made["archive"])
        monkeypatch.setattr(catalog, "CIFAR10_BATCHES", made["member_sha"])
        monkeypatch.setitem(catalog.MIRRORS, "cifar10", [dead_url(), (env["tmp"] / "mirror").as_uri()])
        return made
    return build


def test_cifar_download_unpack_and_load(env, cifar):
    made = cifar()
    ds = load_dataset("cifar10", "train", download=True, progress=False)
    assert ds.images.shape == (150, 3, 32, 32) and ds.shape == (3, 32, 32) and ds.classes[0] == "airplane"
    np.testing.assert_array_equal(ds.images[30:60], made["arrays"]["data_batch_2.bin"][0])
    test = load_dataset("cifar10", "test")
    np.testing.assert_array_equal(test.labels, made["arrays"]["test_batch.bin"][1])
    folder = env["cache"] / "cifar10"
    assert sorted(p.name for p in folder.iterdir()) == ["cifar-10-batches-bin"]  # archive gone, no .part
    assert sorted(p.name for p in (folder / "cifar-10-batches-bin").iterdir()) == sorted(
        [*catalog.CIFAR10_BATCHES, "batches.meta.txt"])  # readme.html was not wanted
    assert all(c.status == "ok" for c in verify("cifar10"))


@pytest.mark.parametrize("attack", ["parent", "absolute", "symlink"])
def test_cifar_archives_that_escape_are_refused(env, cifar, attack):
    if attack == "symlink":  # a wanted name that is a link, appended after the real member
        info = tarfile.TarInfo(f"{catalog.CIFAR10_FOLDER}/test_batch.bin")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        member, match = (info, None), "not a regular file"
    else:
        name = "../evil.txt" if attack == "parent" else str(env["tmp"] / "evil.txt")
        info = tarfile.TarInfo(name)
        info.size = 4
        member, match = (info, b"evil"), "outside the target folder"
    cifar(extra_members=[member])
    with pytest.raises(CorruptDataError, match=match):
        load_dataset("cifar10", "test", download=True, progress=False)
    assert not (env["tmp"] / "evil.txt").exists() and not (env["cache"] / "evil.txt").exists()
    assert list((env["cache"] / "cifar10").iterdir()) == []  # no archive, no half-unpacked folder


def test_a_damaged_cifar_batch_is_caught(env, cifar):
    cifar()
    prefetch("cifar10", progress=False)
    batch = env["cache"] / "cifar10" / "cifar-10-batches-bin" / "data_batch_3.bin"
    batch.write_bytes(batch.read_bytes()[:-1])
    with pytest.raises(ChecksumMismatchError, match="data_batch_3.bin(.|\n)*prefetch cifar10"):
        load_dataset("cifar10", "train")
    assert [c.file for c in verify("cifar10") if c.status == "bad"] == ["data_batch_3.bin"]


def test_cifar_records_round_trip_and_bad_files_are_refused(rng):
    x = rng.integers(0, 256, size=(4, 3, 32, 32), dtype=np.uint8)
    y = np.array([0, 9, 3, 3])
    raw = cifar_bytes(x, y)
    assert len(raw) == 4 * 3073 and raw[0] == 0 and raw[3073] == 9 and raw[1:1025] == x[0, 0].tobytes()
    back_x, back_y = parse_cifar_batch(raw)
    np.testing.assert_array_equal(back_x, x)
    np.testing.assert_array_equal(back_y, y)
    with pytest.raises(CorruptDataError, match="not a whole number of CIFAR-10 records"):
        parse_cifar_batch(raw[:-5], source="b.bin")
    with pytest.raises(CorruptDataError, match="not a whole number"):
        parse_cifar_batch(b"")
    bad = bytearray(raw)
    bad[3073] = 10
    with pytest.raises(CorruptDataError, match="record 1 has label 10"):
        parse_cifar_batch(bytes(bad))


# ---- bundled real data ----

@pytest.mark.parametrize("name, n", [("mnist-bundled", (8000, 2000)), ("fashion-mnist-bundled", (5000, 1000))])
def test_bundled_sets_load_offline_with_the_promised_shapes(monkeypatch, name, n):
    go_offline(monkeypatch)
    train, test = load_dataset(name, "train"), load_dataset(name, "test")
    assert (len(train), len(test)) == n and train.shape == test.shape == (1, 28, 28)
    assert train.images.dtype == np.uint8 and train.labels.dtype == np.int64 and train.source == "bundled"
    counts = np.bincount(train.labels, minlength=10), np.bincount(test.labels, minlength=10)
    if name == "fashion-mnist-bundled":
        assert counts[0].tolist() == [500] * 10 and counts[1].tolist() == [100] * 10
    else:  # stratified: each class's test share is 20 % up to rounding
        total = counts[0] + counts[1]
        assert np.all(np.abs(counts[1] - 0.2 * total) <= 1) and total.sum() == 10_000
    flat_train = {row.tobytes() for row in train.images.reshape(len(train), -1)}
    assert not any(row.tobytes() in flat_train for row in test.images.reshape(len(test), -1))  # disjoint splits


def test_bundled_mnist_pixels_look_like_real_mnist():
    x = load_dataset("mnist-bundled", "train").images
    # Real MNIST: a centred stroke on a black 28x28 field; about 81 % of pixels are 0 and the mean
    # pixel is 33 (0.1307 · 255). Noise or a wrong byte order would not be this sparse.
    assert (x == 0).mean() > 0.7 and 20 < x.mean() < 50
    border = np.concatenate([x[:, 0, :2].ravel(), x[:, 0, -2:].ravel()])
    assert (border == 0).mean() > 0.99  # the 20x20 digit is centred in a 28x28 field
    assert len(np.unique(x)) > 200  # anti-aliased grey levels, not a binarised copy


def test_a_damaged_bundled_file_is_caught(tmp_path, monkeypatch):
    with np.load(catalog.BUNDLED_DIR / "mnist.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    monkeypatch.setattr(catalog, "BUNDLED_DIR", tmp_path)
    with pytest.raises(DatasetUnavailableError, match="reinstall"):
        load_dataset("mnist-bundled")
    assert npz_content_hash(arrays) == catalog.BUNDLED["mnist-bundled"].content_sha256
    arrays["test_images"][0, 14, 14] ^= 1
    np.savez_compressed(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(ChecksumMismatchError, match="reinstall dmm-edu"):
        load_dataset("mnist-bundled", "test")
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptDataError, match="not a readable .npz"):
        load_dataset("mnist-bundled")
    assert [c.status for c in verify("mnist-bundled")] == ["bad"]


def test_status_reports_where_each_dataset_is(env, cifar):
    rows = {r["name"]: r for r in status()}
    assert set(rows) == set(catalog.DATASETS)
    assert rows["mnist-bundled"]["where"] == "bundled" and rows["mnist"]["where"] == "missing"
    assert rows["mnist"]["train"] == 60_000 and rows["cifar10"]["test"] == 10_000
    prefetch("mnist", progress=False)
    cifar()
    prefetch("cifar10", progress=False)
    rows = {r["name"]: r for r in status()}
    assert rows["mnist"]["where"] == rows["cifar10"]["where"] == "cached"
    (env["cache"] / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    assert {r["name"]: r["where"] for r in status()}["mnist"] == "partial (3/4 files)"
    assert [c.status for c in verify("mnist")] == ["ok", "ok", "ok", "missing"]


SYSTEM_FASHION = catalog.system_dir("fashion-mnist")


@pytest.mark.skipif(SYSTEM_FASHION is None or not SYSTEM_FASHION.is_dir(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_the_real_debian_fashion_mnist_passes_every_check(monkeypatch, tmp_path):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path))  # an empty cache: the system copy is read
    test = load_dataset("fashion-mnist", "test")
    assert len(test) == 10_000 and np.bincount(test.labels).tolist() == [1000] * 10
    assert test.source.startswith("system:")


# ---- ImageDataset ----

def small(rng, n_per_class=6):
    y = np.repeat(np.arange(10), n_per_class)
    x = rng.integers(0, 256, size=(len(y), 1, 4, 4), dtype=np.uint8)
    return ImageDataset(x, y, tuple("abcdefghij"), "toy", "train", "bundled")


def test_views_of_the_pixels(rng):
    ds = small(rng)
    x = ds.x_float()
    assert x.dtype == np.float32 and x.shape == (60, 1, 4, 4) and 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(x * 255, ds.images, atol=1e-4)
    assert ds.flat().shape == (60, 16)
    np.testing.assert_array_equal(ds.flat()[7], x[7].ravel())


def test_subset_is_balanced_and_reproducible(rng):
    ds = small(rng)
    sub = ds.subset(3, np.random.default_rng(1))
    assert np.bincount(sub.labels).tolist() == [3] * 10 and sub.name == "toy"
    again = ds.subset(3, np.random.default_rng(1))
    np.testing.assert_array_equal(sub.images, again.images)
    rows = {r.tobytes() for r in ds.images}
    assert all(r.tobytes() in rows for r in sub.images)
    with pytest.raises(ValueError, match="n_per_class=7.*only 6 images"):
        ds.subset(7, rng)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        ds.subset(2, 0)


def test_dataset_checks_its_arrays():
    with pytest.raises(ValueError, match="uint8"):
        ImageDataset(np.zeros((2, 1, 4, 4)), np.zeros(2, np.int64), ("a",), "t", "train", "x")
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        ImageDataset(np.zeros((2, 1, 4, 4), np.uint8), np.zeros(3, np.int64), ("a",), "t", "train", "x")


@pytest.mark.torch
def test_to_torch(rng):
    torch = pytest.importorskip("torch")
    ds = small(rng)
    x, y = ds.to_torch()
    assert x.dtype == torch.float32 and y.dtype == torch.int64 and tuple(x.shape) == (60, 1, 4, 4)
    np.testing.assert_array_equal(x.numpy(), ds.x_float())
    np.testing.assert_array_equal(y.numpy(), ds.labels)
