"""Variants: the book's runs of an experiment with a few config fields changed ("E6:cnn" is E6 with a CNN)."""

from __future__ import annotations

import pytest
from claim_fakes import fake_result

from dmm_edu import book, claims
from dmm_edu.experiments.base import cache_folder
from dmm_edu.experiments.variants import VARIANTS, anchor, overrides, parse_key, run_args, run_key, set_options
from dmm_edu.results import Result


def test_a_run_key_names_an_experiment_or_one_of_its_variants():
    assert parse_key("E6") == ("E6", None) and parse_key("E6:cnn") == ("E6", "cnn")
    assert run_key("E6", "cnn") == "E6:cnn" and run_key("E6") == "E6"
    assert anchor("E6:cnn") == "e6-cnn" and anchor("E8i") == "e8i"
    with pytest.raises(ValueError, match=r"E6 has no variant 'vit'; its variants: \['cnn', 'cnn-fashion', 'fashion'\]"):
        parse_key("E6:vit")
    with pytest.raises(ValueError, match="E5 has no variant 'cnn'; its variants: none"):
        parse_key("E5:cnn")


def test_a_variant_changes_its_fields_at_every_profile_and_a_profiles_own_fields_at_that_profile_only():
    assert overrides("E6", "book") == {}
    assert overrides("E6:cnn", "smoke") == {"model": "cnn", "n_attack": 20}
    assert overrides("E6:cnn", "book") == {"model": "cnn", "epochs": 5, "n_attack": 100}
    assert overrides("E6:cnn", "full") == {"model": "cnn"}
    assert overrides("E9i:cnn", "book") == {"model": "cnn", "lr": 0.01}
    assert run_args("E6:fashion", "book") == ("E6", {"dataset": "fashion-mnist-bundled"})
    assert set_options("E6:cnn", "smoke") == " --set model=cnn --set n_attack=20"


def test_e7s_cnn_variants_train_the_very_network_e6s_train_at_every_profile():
    """E7:cnn attacks E6:cnn's network (`_trained` shares it when the training fields agree)."""
    from dmm_edu.experiments._images import TRAINING_FIELDS
    from dmm_edu.experiments.base import config_for

    def recipe(key, profile):  # the fields training reads, of the run key's config at profile
        experiment, fields = run_args(key, profile)
        config = config_for(experiment, profile, **fields)
        return {name: getattr(config, name) for name in TRAINING_FIELDS}

    for e6, e7 in (("E6:cnn", "E7:cnn"), ("E6:cnn-fashion", "E7:cnn-fashion")):
        for profile in ("smoke", "book", "full"):
            assert recipe(e6, profile) == recipe(e7, profile), (e6, e7, profile)


def test_every_variant_is_a_config_its_experiment_accepts():
    """Each variant's fields exist in its experiment's config at every profile (checked before any work)."""
    for experiment, variants in VARIANTS.items():
        for name in variants:
            for profile in ("smoke", "book"):
                same, fields = run_args(run_key(experiment, name), profile)
                assert same == experiment
                cache_folder(experiment, profile, 0, **fields)  # ValueError for a field or value it refuses


def test_a_variant_claim_reads_its_own_run_not_the_experiments():
    claim = claims.get_claim("E6.cnn.pca.on_delta")
    assert (claim.experiment, claim.variant, claim.run_key) == ("E6", "cnn", "E6:cnn")

    def result(value: float):
        return fake_result({"pca": {"on_delta": value}}, "E6", profile="book")

    value, _, prov = claims.resolve(claim.name, {"E6": result(0.1), "E6:cnn": result(0.6)})
    assert value == 0.6 and prov["run"] == "E6:cnn" and prov["anchor"] == "e6-cnn"
    with pytest.raises(KeyError, match="needs a result of E6:cnn"):
        claims.resolve(claim.name, {"E6": result(0.1)})


def test_the_book_runs_every_variant_its_claims_quote_and_prints_its_options():
    keys = book.book_experiments()
    quoted = {c.run_key for c in claims.CLAIMS.values() if c.variant}
    assert quoted and quoted <= set(keys)
    result = Result("E6", "book", 0, {}, {}, {}, {})
    command = book.reproduce_command(result, "E6:cnn")
    assert command == ("dmm-edu run E6 --profile book --seed 0 --set model=cnn --set epochs=5 --set n_attack=100 "
                       "--out results/e6-cnn-book")  # no figures: the book draws none of a variant


def test_register_refuses_a_claim_of_an_unknown_variant():
    with pytest.raises(ValueError, match="has no variant 'vit'"):
        claims.register([claims.Claim("E6.vit.x", "E6", ("a",), "{}", "t", variant="vit")])
    assert "E6.vit.x" not in claims.CLAIMS


@pytest.mark.torch
@pytest.mark.parametrize("key, floor", [("E6:cnn", 0.5), ("E6:cnn-fashion", 0.5), ("E9i:cnn", 0.2)])
def test_a_smoke_variants_network_learns(key, floor):
    """The smoke fields shrink the attacks, not the training: the CNN the tests attack classifies far above
    chance (1 in 10). E6 trains on 3,000 images (E7 attacks the same network); E9i's standard network on
    1,000, so its floor is twice chance. A collapsed network (10-19 % at 2 epochs) fails."""
    from smoke_runs import smoke

    experiment, fields = run_args(key, "smoke")
    metrics = smoke(experiment, 0, **fields).metrics
    accuracy = metrics["standard"]["test_accuracy"] if experiment == "E9i" else metrics["clean_test_accuracy"]
    assert accuracy >= floor, f"{key} at smoke: test accuracy {accuracy:.3f} < {floor}"
