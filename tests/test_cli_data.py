"""`dmm-edu data list | prefetch | verify` against a local server and a temporary cache."""

import gzip
import json

import pytest
from click.testing import CliRunner
from data_fixtures import dead_url, gz, make_idx_set, serve, use_idx_set

from dmm_edu.cli_data import data
from dmm_edu.data import image_catalog as catalog


@pytest.fixture
def env(tmp_path, monkeypatch, rng):
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DMM_EDU_FASHION_MNIST_DIR", str(tmp_path / "no-system"))
    generated = make_idx_set(tmp_path / "mirror", rng)
    use_idx_set(monkeypatch, "mnist", generated["table"], [dead_url()])
    generated.update(tmp=tmp_path, cache=tmp_path / "cache" / "datasets")
    return generated


def run(*args):
    return CliRunner().invoke(data, list(args), catch_exceptions=False)


def test_list_shows_bundled_and_missing(env):
    result = run("list")
    assert result.exit_code == 0
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:-1]}
    assert lines["mnist-bundled"][1:] == ["8000", "2000", "bundled"]
    assert lines["mnist"][1:] == ["60000", "10000", "missing"]
    assert str(env["cache"]) in result.output and "DMM_EDU_CACHE" in result.output
    rows = json.loads(run("list", "--json").output)
    assert {r["name"]: r["where"] for r in rows}["fashion-mnist-bundled"] == "bundled"


def test_prefetch_from_a_local_server_then_list_and_verify(env, monkeypatch):
    with serve(env["tmp"] / "mirror") as url:
        monkeypatch.setitem(catalog.MIRRORS, "mnist", [dead_url(), url])
        result = run("prefetch", "mnist", "--no-progress")
    assert result.exit_code == 0 and "mnist: ready (4 files checked)" in result.output
    assert "cached" in [line.split()[-1] for line in run("list").output.splitlines() if line.startswith("mnist ")]
    result = run("verify", "mnist", "mnist-bundled")
    assert result.exit_code == 0 and result.output.count("ok ") == 5


def test_verify_exits_1_and_names_the_bad_file(env, monkeypatch):
    monkeypatch.setitem(catalog.MIRRORS, "mnist", [(env["tmp"] / "mirror").as_uri()])
    assert run("prefetch", "mnist", "--no-progress").exit_code == 0
    labels = env["cache"] / "mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gz(gzip.decompress(labels.read_bytes())[:-1]))
    result = run("verify")
    assert result.exit_code == 1
    bad = [line for line in result.output.splitlines() if line.startswith("bad")]
    assert len(bad) == 1 and "t10k-labels-idx1-ubyte.gz" in bad[0]
    assert "decompressed MD5" in result.output
    assert "missing" in result.output  # fashion-mnist and cifar10 are not here: reported, not an error


def test_prefetch_offline_is_a_clear_error(env):
    result = CliRunner().invoke(data, ["prefetch", "mnist", "--no-progress"])
    assert result.exit_code == 1
    assert "could not download" in result.output and "'mnist-bundled'" in result.output
    assert "Traceback" not in result.output


def test_unknown_names_are_refused(env):
    result = CliRunner().invoke(data, ["verify", "svhn"])
    assert result.exit_code == 2 and "svhn: not a dataset" in result.output
    assert CliRunner().invoke(data, ["prefetch"]).exit_code == 2  # NAME is required
