"""``hedgesim validate``: historical worlds from observables, the model's rows classed by the
record's rules, the comparison, the hindcast's metrics against scikit-learn, the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hedgesim.cli import main
from hedgesim.experiments import scores
from hedgesim.experiments.validate import compare, model_rows, validate, window_starts
from hedgesim.record.worlds import PROXIMITY, historical_world, initiations


def test_a_historical_world_comes_from_that_years_observables():
    world = historical_world(1950, 5)
    powers = {g["name"]: g for g in world.great_powers}
    assert set(powers) == {"USA", "UKG", "FRN", "RUS", "CHN"}
    assert powers["RUS"]["hostility"].get("USA") == 1.0  # a Thompson-Dreyer rivalry in 1950
    assert 0 < powers["RUS"]["revisionism"] < 1
    assert powers["USA"]["revisionism"] == pytest.approx(1 - np.exp(-initiations(2, 1950) / 5))
    states = {s["name"]: s for s in world.small_states}
    canada = states["CAN"]
    assert canada["proximity"]["USA"] == PROXIMITY[1]
    assert canada["alliance"] == {"USA": 1.0, "UKG": 1.0, "FRN": 1.0}  # NATO
    assert canada["alignment"]["USA"] == 0.6 and canada["strategy"] == "adaptive"
    assert all(not any(g == s for g in powers) for s in states)  # no major is a minor


def series_of(rows: list[dict]) -> pd.DataFrame:
    base = {"setting": 0, "alive": True, "capability": 0.01, "gp_capability_A": 0.2,
            "war_chance_A": 0.1, "coercion_chance_A": 0.2}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_model_rows_follow_the_record_rules():
    """Step k's row is year start + k - 1; a state counts while alive at the year's start; a
    pact is alliance > 0.5; force is coercion or war by that major."""
    rows = series_of([
        {"replicate": 0, "state": "m", "step": 0, "year": 1900, "alliance_A": 0.0,
         "war_A": False, "coerced_A": False, "proximity_A": 1.0},
        {"replicate": 0, "state": "m", "step": 1, "year": 1901, "alliance_A": 0.9,
         "war_A": False, "coerced_A": True, "proximity_A": 1.0},
        {"replicate": 0, "state": "m", "step": 2, "year": 1902, "alliance_A": 0.9,
         "war_A": True, "coerced_A": False, "proximity_A": 1.0, "alive": False},
        {"replicate": 0, "state": "m", "step": 3, "year": 1903, "alliance_A": 0.9,
         "war_A": True, "coerced_A": False, "proximity_A": 1.0, "alive": False},
        {"replicate": 0, "state": "far", "step": 1, "year": 1901, "alliance_A": 0.0,
         "war_A": True, "coerced_A": False, "proximity_A": 0.1},
    ])
    out = model_rows(rows, [1900]).set_index("year")
    assert list(out.index) == [1900, 1901]  # 1902 is after its death; "far" is not contiguous
    assert out.loc[1900, "alignment"] == "bandwagon" and out.loc[1900, "force"] == 1
    assert out.loc[1901, "war"] == 1 and out.loc[1901, "force"] == 1
    assert out.loc[1900, "cinc_ratio"] == pytest.approx(20.0)
    # the year's chances: force is coercion or war, drawn independently
    assert out.loc[1900, "p_war"] == pytest.approx(0.1)
    assert out.loc[1900, "p_force"] == pytest.approx(1 - 0.9 * 0.8)


def test_compare_marks_cells_inside_or_outside_the_records_interval():
    record = pd.DataFrame({"alignment": ["balance"] * 100, "force": [1] * 3 + [0] * 97,
                           "war": [0] * 100})
    inside = pd.DataFrame({"alignment": ["balance"] * 1000, "force": [1] * 30 + [0] * 970,
                           "war": [0] * 1000})
    outside = inside.assign(force=[1] * 300 + [0] * 700)
    assert compare(inside, record, ["alignment"])["force_inside"].iloc[0]
    assert not compare(outside, record, ["alignment"])["force_inside"].iloc[0]


def test_the_proper_scores_are_scikit_learns_and_the_constant_has_no_skill():
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.15).astype(int)
    p = np.clip(np.round(rng.random(400), 1) * 0.3 + 0.2 * y, 0.01, 0.99)
    m = scores.metrics(y, p, y.mean())
    assert m["log_score"] == pytest.approx(log_loss(y, p))
    assert m["brier"] == pytest.approx(brier_score_loss(y, p))
    assert m["ap"] == pytest.approx(average_precision_score(y, p))
    assert m["auc"] == pytest.approx(roc_auc_score(y, p))
    assert scores.metrics(y, np.full(400, y.mean()), y.mean())["brier_skill"] == pytest.approx(0)
    assert np.isfinite(scores.metrics(y, np.where(y == 1, 0.0, 1.0), 0.5)["log_score"])


def test_the_bootstraps_weighted_metrics_are_scikit_learns_with_weights():
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

    rng = np.random.default_rng(5)
    y = (rng.random(300) < 0.2).astype(float)
    p = np.round(rng.random(300), 1) * 0.5 + 0.3 * y + 0.01  # ties included
    w = rng.integers(0, 3, (6, 300)).astype(float)  # how often a resample draws each row
    m = scores.weighted_metrics(y, p, w)
    for b in range(6):
        assert m["auc"][b] == pytest.approx(roc_auc_score(y, p, sample_weight=w[b]))
        assert m["ap"][b] == pytest.approx(average_precision_score(y, p, sample_weight=w[b]))
        assert m["brier"][b] == pytest.approx(brier_score_loss(y, p, sample_weight=w[b]))
        assert m["log_score"][b] == pytest.approx(log_loss(y, p, sample_weight=w[b]))


def test_the_dyad_bootstrap_resamples_pairs_whole():
    rows = pd.DataFrame({"major": [2] * 6 + [365] * 6, "minor": [20] * 6 + [290] * 6})
    y = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    spread = scores.dyad_bootstrap(rows, y, np.full(12, 0.5), seed=1, resamples=200)
    # a resample holds the first pair twice, the second twice or one of each: the base rate
    # (and with it the Brier score of 0.5) is 0, 1/2 or 1, never a fraction of a pair
    assert spread["brier"] == (0.25, 0.25)
    assert spread["log_score"][0] == spread["log_score"][1] == pytest.approx(np.log(2))


def test_the_record_history_knows_only_the_years_before():
    pairs = pd.DataFrame({"major": [365, 365, 365], "minor": [290, 290, 290],
                          "year": [1919, 1920, 1921]})  # Russia-Poland, war of 1919-1921
    h = scores.pair_history(pairs)
    assert h["years_since"].iloc[0] > h["years_since"].iloc[2] >= 1
    assert (h["disputes_10"].diff().dropna() >= 0).all()
    assert set(h.columns) >= set(scores.HISTORY_FEATURES)


def test_validate_end_to_end_on_a_few_windows():
    v = validate(replicates=2, first=1946, last=1965)
    assert window_starts(1946, 1965) == [1946, 1951, 1956, 1961]
    assert set(v.patterns["alignment"]) <= {"bandwagon", "balance", "both", "non-aligned"}
    assert v.patterns["model_dyad_years"].sum() > 0
    assert set(v.scores["predictor"]) == {"model", *scores.BASELINES}
    assert set(v.scores["fit"]) == {"-", "in-sample"}  # no training era reached: said so
    h = v.hindcast
    assert h["window"].isin([1946, 1951, 1956, 1961]).all()
    assert h["model_force"].between(0, 1).all() and set(h["observed_force"]) <= {0, 1}
    assert (h["model_force"] > 0).mean() > 0.9  # chances, not shares of a few replicates
    assert (h["model_force"] >= h["model_war"]).all()
    again = validate(replicates=2, first=1946, last=1965)
    pd.testing.assert_frame_equal(v.scores, again.scores)


def test_validate_command_and_bad_params(tmp_path, capsys):
    bad = tmp_path / "p.toml"
    bad.write_text("[params]\nwar_slope = 99\n")
    assert main(["validate", "--params", str(bad)]) == 2
    assert "war_slope" in capsys.readouterr().err
    bad.write_text("[params]\nnot_a_parameter = 1\n")
    assert main(["validate", "--params", str(bad)]) == 2
    assert main(["validate", "--replicates", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and all(line.startswith("hedgesim: error:")
                                        for line in err.splitlines())


def test_who_attacks_in_the_record_and_the_model():
    """The record's attacks of majors on minors, contiguous or not (Russia on Poland in 1920 is
    contiguous, the USA's on distant minors is not), and the model's counted the same way."""
    from hedgesim.experiments.validate import attacker_shares, model_attacks, record_attacks

    record = record_attacks(1900, 1930)
    assert set(record["outcome"]) == {"force", "war"} and record["contiguous"].any()
    assert not record["contiguous"].all()
    rows = series_of([
        {"replicate": 0, "state": "m", "step": 0, "year": 1900, "alliance_A": 0.0,
         "war_A": False, "coerced_A": False, "proximity_A": 1.0},
        {"replicate": 0, "state": "m", "step": 1, "year": 1901, "alliance_A": 0.0,
         "war_A": True, "coerced_A": False, "proximity_A": 1.0},
        {"replicate": 0, "state": "far", "step": 0, "year": 1900, "alliance_A": 0.0,
         "war_A": False, "coerced_A": False, "proximity_A": 0.1},
        {"replicate": 0, "state": "far", "step": 1, "year": 1901, "alliance_A": 0.0,
         "war_A": False, "coerced_A": True, "proximity_A": 0.1},
    ])
    model = model_attacks(rows).set_index("outcome")
    assert model.loc["force", "events"] == 2 and model.loc["force", "contiguous"] == 1
    assert model.loc["war", "events"] == 1 and model.loc["war", "contiguous"] == 1
    table = attacker_shares(record, model.reset_index())
    assert set(table["outcome"]) == {"force", "war"}
    assert table.set_index("outcome").loc["war", "model_share"] == 1.0


def test_every_ablation_switches_off_registered_parameters_within_their_ranges():
    from hedgesim.experiments.ablation import ABLATIONS
    from hedgesim.scenarios.params import BY_NAME

    for name, (off, meaning) in ABLATIONS.items():
        assert off and meaning, name
        for parameter, value in off.items():
            assert BY_NAME[parameter].low <= value <= BY_NAME[parameter].high, parameter


@pytest.mark.slow
def test_the_ablation_table_compares_each_mechanism_with_all_on():
    """Switching a mechanism off that the run does not use changes nothing; every row has the
    change of log score and AUC from the model with everything on."""
    from hedgesim.experiments.ablation import ABLATIONS, ablate
    from hedgesim.experiments.engine import Executor

    with Executor("serial", 1) as ex:
        table = ablate({}, replicates=1, seed=3, executor=ex)
    assert set(table["switched_off"]) == {"none (all on)", *ABLATIONS}
    full = table[table["switched_off"] == "none (all on)"]
    assert (full["d_log_score"] == 0).all() and (full["d_auc"].fillna(0) == 0).all()
    memory = table[table["switched_off"] == "memory"]  # grievance_weight is 0 by default
    assert (memory["d_log_score"] == 0).all()
    assert table.loc[table["switched_off"] == "aims", "d_log_score"].abs().sum() > 0
