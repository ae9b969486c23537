"""``hedgesim validate``: historical worlds from observables, the model's rows classed by the
record's rules, the comparison, the hindcast's metrics against scikit-learn, the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hedgesim.cli import main
from hedgesim.experiments.validate import compare, model_rows, rank_auc, validate, window_starts
from hedgesim.scenarios.historical import PROXIMITY, historical_world, initiations


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
    base = {"setting": 0, "alive": True, "capability": 0.01, "gp_capability_A": 0.2}
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


def test_compare_marks_cells_inside_or_outside_the_records_interval():
    record = pd.DataFrame({"alignment": ["balance"] * 100, "force": [1] * 3 + [0] * 97,
                           "war": [0] * 100})
    inside = pd.DataFrame({"alignment": ["balance"] * 1000, "force": [1] * 30 + [0] * 970,
                           "war": [0] * 1000})
    outside = inside.assign(force=[1] * 300 + [0] * 700)
    assert compare(inside, record, ["alignment"])["force_inside"].iloc[0]
    assert not compare(outside, record, ["alignment"])["force_inside"].iloc[0]


def test_the_bootstraps_auc_is_scikit_learns():
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.15
    p = np.round(rng.random(400), 1) + 0.2 * y  # ties included
    assert rank_auc(y, p) == pytest.approx(roc_auc_score(y, p))
    stacked = np.stack([p, p[::-1]])
    np.testing.assert_allclose(rank_auc(np.stack([y, y[::-1]]), stacked),
                               [roc_auc_score(y, p)] * 2)


def test_validate_end_to_end_on_a_few_windows():
    v = validate(replicates=2, first=1946, last=1965)
    assert window_starts(1946, 1965) == [1946, 1951, 1956, 1961]
    assert set(v.patterns["alignment"]) <= {"bandwagon", "balance", "both", "non-aligned"}
    assert v.patterns["model_dyad_years"].sum() > 0
    assert set(v.scores["predictor"]) == {"model", "contiguity type", "log CINC ratio",
                                          "alignment class", "logistic (all)"}
    h = v.hindcast
    assert h["window"].isin([1946, 1951, 1956, 1961]).all()
    assert h["model_force"].between(0, 1).all() and set(h["observed_force"]) <= {0, 1}
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
