"""``hedgesim calibrate``: targets and implausibility by hand, the design, resumption and
worker-independence, the ensemble file, and the command's checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hedgesim import calibrate as cli_calibrate
from hedgesim.cli import main
from hedgesim.experiments import calibrate as cal
from hedgesim.experiments.engine import Executor
from hedgesim.scenarios.ensemble import Member, ensemble_toml, identity, read_ensemble
from hedgesim.scenarios.loader import InputError, ScenarioError
from hedgesim.scenarios.params import BY_NAME, CALIBRATED


def rows(classes: list[str], force: list[int], war: list[int], minors: list[str]
         ) -> pd.DataFrame:
    return pd.DataFrame({"alignment": classes, "force": force, "war": war, "major": "G",
                         "minor": minors})


def test_patterns_are_the_records_rates_shares_and_log_ratio():
    panel = rows(["balance"] * 4 + ["non-aligned"] * 6, [1, 0, 0, 0, 1, 1, 0, 0, 0, 0],
                 [0] * 10, list("aabbccddee"))
    table = cal.patterns(panel, units=5).set_index("target")
    assert table.loc["force rate, balance", "value"] == pytest.approx(25.0)  # 1 in 4 dyad-years
    assert table.loc["force rate, balance", "variance"] == pytest.approx(1 / 0.04 ** 2)
    assert table.loc["share, non-aligned", "value"] == pytest.approx(0.6)
    assert table.loc["share, non-aligned", "variance"] == pytest.approx(0.6 * 0.4 / 5)
    ratio = table.loc["log force ratio, balance / non-aligned"]
    assert ratio["value"] == pytest.approx(np.log(1.5 / 4 / (2.5 / 6)))
    assert ratio["variance"] == pytest.approx(1 / 1.5 + 1 / 2.5)
    assert np.isnan(table.loc["force rate, both", "value"])  # no dyad-years: no rate


def test_implausibility_adds_the_three_variances():
    record = pd.DataFrame({"target": ["force rate, balance", "log war ratio, x"],
                           "value": [2.0, 0.5], "variance": [0.25, 0.04]})
    model = pd.DataFrame({"target": record["target"], "value": [3.0, 0.2],
                          "variance": [0.11, 0.01]})
    imp = cal.implausibility(record, model)
    assert imp.iloc[0] == pytest.approx(1.0 / np.sqrt(0.25 + 0.11 + (0.1 * 2.0) ** 2))
    assert imp.iloc[1] == pytest.approx(0.3 / np.sqrt(0.04 + 0.01 + 0.1 ** 2))


def test_the_priors_hold_the_registry_defaults_within_the_declared_ranges():
    for name, (low, high) in CALIBRATED.items():
        p = BY_NAME[name]
        assert p.low <= low < high <= p.high, name
        assert low <= p.default <= high, name


def test_the_next_wave_focuses_on_what_was_not_ruled_out():
    priors = {"a": (0.0, 1.0), "b": (-5.0, 5.0)}
    evaluated = pd.DataFrame({"a": [0.2, 0.4, 0.9], "b": [1.0, 2.0, -4.0],
                              "non_implausible": [True, True, False],
                              "second_largest": [1.0, 2.0, 9.0]})
    box = cal.focus(evaluated, priors)
    assert box["a"] == pytest.approx((0.15, 0.45)) and box["b"] == pytest.approx((0.5, 2.5))
    nothing = evaluated.assign(non_implausible=False)
    assert cal.focus(nothing, priors)["a"] == pytest.approx((0.15, 0.45))  # the best tenth (2)
    design = cal.sobol(box, 8, seed=1)
    assert design.equals(cal.sobol(box, 8, seed=1)) and len(design) == 8
    assert design["a"].between(0.15, 0.45).all() and design["b"].between(0.5, 2.5).all()


SMALL = {"waves": 2, "points": 2, "replicates": 1, "priors": {"war_intercept": (-8.0, -4.0),
                                                              "coercion_intercept": (-6.0, -2.0)}}


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal")
    with Executor("serial", 1) as ex:
        return out, cal.history_match("1816-1945", out, ex, **SMALL)


def test_history_matching_resumes_and_gives_the_same_for_any_number_of_workers(matched,
                                                                             tmp_path):
    out, first = matched
    chunks = sorted(out.glob("wave-*.parquet"))
    assert len(chunks) == 2  # one chunk per wave at this size
    chunks[-1].unlink()  # interrupted in the last wave
    with Executor("serial", 1) as ex:
        resumed = cal.history_match("1816-1945", out, ex, **SMALL)
    with Executor("processes", 2) as ex:
        two = cal.history_match("1816-1945", tmp_path, ex, **SMALL)
    for other in (resumed, two):
        pd.testing.assert_frame_equal(first.evaluated, other.evaluated)
    assert first.best == two.best
    assert set(first.evaluated["id"]) == {identity(r) for r in first.evaluated[
        list(SMALL["priors"])].to_dict("records")}


def test_the_ensemble_members_carry_the_parameters_fitted(matched):
    _, first = matched
    assert all(set(m.params) == set(SMALL["priors"]) for m in cal.members(first))


def test_every_setting_carries_the_log_scores_of_its_forecasts_and_the_best_has_the_least(matched):
    """The forecasts of each setting are scored on the era's real pairs, and the calibrated
    defaults are the confirmed non-implausible setting whose forecasts score best."""
    _, first = matched
    ev = first.evaluated
    assert ev["log_score_force"].between(0.01, 5).all() and ev["log_score_war"].between(0.001, 5).all()
    np.testing.assert_allclose(ev["log_score"], ev["log_score_force"] + ev["log_score_war"])
    kept = first.ensemble[first.ensemble["non_implausible"]]
    if len(kept):
        assert first.ensemble.iloc[0]["log_score"] == kept["log_score"].min()


def test_the_log_score_ranks_a_sharper_forecast_above_a_blunt_one():
    from hedgesim.experiments.validate import log_scores

    y = np.array([1.0, 0.0, 0.0, 0.0, np.nan])
    sharp = pd.DataFrame({"observed_force": y, "model_force": [0.8, 0.1, 0.1, 0.1, 0.5],
                          "observed_war": y, "model_war": [0.8, 0.1, 0.1, 0.1, 0.5]})
    blunt = sharp.assign(model_force=0.25, model_war=0.25)
    assert log_scores(sharp)["force"] < log_scores(blunt)["force"]
    assert log_scores(sharp)["war"] == pytest.approx(-np.mean(np.log([0.8, 0.9, 0.9, 0.9])))


def test_recovery_fits_synthetic_records_and_reports_coverage(tmp_path):
    """Each truth's synthetic record is matched; the table says per parameter whether the kept
    range covers the truth, and a rerun resumes to the same table."""
    small = {"truths": 2, "waves": 1, "points": 2, "replicates": 1, "priors": SMALL["priors"]}
    with Executor("serial", 1) as ex:
        table = cal.recover(tmp_path, ex, **small)
    assert len(table) == 2 * len(SMALL["priors"])
    for r in table.itertuples():
        inside = r.kept_low <= r.true_value <= r.kept_high
        assert r.covered == inside
        assert SMALL["priors"][r.parameter][0] <= r.true_value <= SMALL["priors"][r.parameter][1]
    with Executor("serial", 1) as ex:
        pd.testing.assert_frame_equal(table, cal.recover(tmp_path, ex, **small))
    summary = cal.recovery_summary(table)
    assert list(summary["parameter"]) == list(SMALL["priors"])
    assert summary["coverage"].between(0, 1).all()


def test_a_prior_given_on_the_command_line_joins_or_replaces_the_calibrated_ones():
    priors = cli_calibrate.parse_priors(["policing=0:1.5", "war_intercept=-9:-4"])
    assert priors["policing"] == (0.0, 1.5) and priors["war_intercept"] == (-9.0, -4.0)
    assert {k: v for k, v in priors.items() if k not in ("policing", "war_intercept")} == {
        k: v for k, v in CALIBRATED.items() if k != "war_intercept"}
    assert cli_calibrate.parse_priors([]) == CALIBRATED


def test_a_calibration_folder_refuses_other_settings(tmp_path):
    cal.check_manifest(tmp_path, {"points": 2})
    cal.check_manifest(tmp_path, {"points": 2})  # the same: resumes
    with pytest.raises(InputError, match="other settings \\(points\\)"):
        cal.check_manifest(tmp_path, {"points": 4})


def test_an_ensemble_file_reads_back_and_its_identities_are_checked(tmp_path):
    members = [Member(identity(p), p, 1.5) for p in
               ({"war_intercept": -6.25, "coercion_slope": 2.0}, {"war_intercept": -7.0})]
    path = tmp_path / "ensemble.toml"
    path.write_text(ensemble_toml(members, {"fitted_on": "1816-2010"}))
    assert read_ensemble(path) == members
    path.write_text(path.read_text().replace("-6.25", "-6.5"))
    with pytest.raises(ScenarioError, match="member #1: field 'id'"):
        read_ensemble(path)
    path.write_text('[[member]]\n[member.params]\nwar_slope = "x"\n')
    with pytest.raises(ScenarioError, match="member #1: params: field 'war_slope'"):
        read_ensemble(path)
    path.write_text('[[member]]\n[member.params]\nnot_a_parameter = 1\n')
    with pytest.raises(ScenarioError, match="unknown parameter 'not_a_parameter'"):
        read_ensemble(path)


def test_the_command_line_defaults_are_the_libraries():
    assert (cli_calibrate.WAVES, cli_calibrate.POINTS, cli_calibrate.REPLICATES) == (
        cal.WAVES, cal.POINTS, cal.REPLICATES)


@pytest.mark.parametrize(("args", "message"), [
    (["--points", "100"], "--points 100: must be a power of two"),
    (["--recover", "-1"], "--recover -1: must be between 0 and 1000"),
    (["--waves", "0"], "--waves 0: must be between 1 and 10"),
    (["--replicates", "1000"], "--replicates 1000: must be between 1 and 100"),
    (["--prior", "policing"], "--prior policing: expected NAME=LOW:HIGH with two numbers"),
    (["--prior", "policing=0:x"], "--prior policing=0:x: expected NAME=LOW:HIGH"),
    (["--prior", "nothing=0:1"], "'nothing' is not a continuous parameter"),
    (["--prior", "activation=0:1"], "'activation' is not a continuous parameter"),
    (["--prior", "policing=1:0"], "LOW must be below HIGH"),
    (["--prior", "policing=0:20"], "outside policing's declared range [0, 10]"),
])
def test_calibrate_rejects_bad_arguments_in_one_line(args, message, capsys, tmp_path):
    assert main(["calibrate", *args, "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not (tmp_path / "c").exists()


def test_the_shipped_ensemble_reads_and_its_first_member_gives_the_defaults():
    from hedgesim.scenarios.ensemble import SHIPPED

    members = read_ensemble(SHIPPED)
    assert len(members) >= 5 and len({m.id for m in members}) == len(members)
    for name, value in members[0].params.items():
        assert BY_NAME[name].default == pytest.approx(float(f"{value:.3g}")), name
    assert all(set(m.params) == set(CALIBRATED) for m in members)


def test_run_with_an_ensemble_reports_both_uncertainties(tmp_path, capsys):
    import json

    members = [Member(identity(p), p, 1.0) for p in
               ({"war_intercept": -6.0}, {"war_intercept": -2.0}, {"war_intercept": -4.0})]
    path = tmp_path / "e.toml"
    path.write_text(ensemble_toml(members, {}))
    assert main(["run", "ukraine", "--replicates", "40", "--workers", "1", "--ensemble",
                 str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ensemble"]["members"] == [m.id for m in members]
    war = next(r for r in report["ensemble"]["uncertainty"] if r["outcome"] == "attacked")
    assert war["members"] == 3 and war["runs_per_member"] == 40
    assert war["members_lo"] < war["estimate"] < war["members_hi"]  # the intercepts differ a lot
    assert war["total_lo"] <= war["mc_lo"] and war["total_hi"] >= war["mc_hi"]
    assert 0.5 < war["parameter_share"] <= 1.0
    assert main(["run", "ukraine", "--ensemble", str(path), "--set", "war_intercept=-3"]) == 2
    assert "the ensemble" in capsys.readouterr().err


def test_params_marks_the_calibrated_parameters(capsys):
    assert main(["params", "ukraine", "--json"]) == 0
    import json

    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["war_intercept"]["calibrated_prior"] == list(CALIBRATED["war_intercept"])
    assert rows["turnover_rate"]["calibrated_prior"] is None
    assert "calibrated to the 1816-2010 record" in rows["war_slope"]["source"]


def test_the_counterfactual_under_an_ensemble_judges_each_claim_under_each_member(tmp_path,
                                                                                  capsys):
    members = [Member(identity(p), p, 1.0) for p in
               ({"war_intercept": -6.0}, {"war_intercept": -2.0})]
    path = tmp_path / "e.toml"
    path.write_text(ensemble_toml(members, {}))
    out = tmp_path / "cf"
    assert main(["counterfactual", "--replicates", "16", "--workers", "1", "--ensemble",
                 str(path), "--out", str(out)]) == 0
    assert "under the ensemble, claim 1" in capsys.readouterr().out
    claims = pd.read_csv(out / "ensemble_claims.csv")
    assert list(claims["claim"]) == [1, 2, 3, 4, 5]
    assert (claims[["reproduced", "contradicted", "inconclusive"]].sum(axis=1) == 2).all()
    arms = pd.read_csv(out / "ensemble.csv")
    assert set(arms["scenario"]) == {"ukraine", "vietnam"} and (arms["members"] == 2).all()
    assert (arms["runs_per_member"] == 4).all()  # a quarter of the replicates
    assert "## Under the calibrated ensemble" in (out / "report.md").read_text()
    shapley = pd.read_csv(out / "ensemble_shapley.csv")
    assert (shapley["members"] == 2).all() and (shapley["runs_per_member"] == 1).all()
    assert (shapley[["above", "below", "inconclusive"]].sum(axis=1) == 2).all()
    assert (shapley["members_low"] <= shapley["mean"] + 1e-12).all()
    assert (shapley["mean"] <= shapley["members_high"] + 1e-12).all()
    # per member, the players and the residual add up to the gap, as without an ensemble
    for _, case in shapley.groupby("scenario"):
        parts = case.set_index("component")["mean"]
        assert parts.drop("gap").sum() == pytest.approx(parts["gap"], abs=1e-5)  # CSV rounding


def test_a_fit_over_both_eras_has_each_eras_targets_apart():
    """Over 1816-2010 the targets are each era's, named after it (the record's war rates fall
    after 1945, which a pooled rate would hide); within one era they are as before."""
    early = rows(["balance"] * 4 + ["non-aligned"] * 6, [1, 0, 0, 0, 1, 1, 0, 0, 0, 0],
                 [0] * 10, list("aabbccddee")).assign(era="1816-1945")
    late = early.assign(era="1946-2010", force=0)
    both = cal.era_patterns(pd.concat([early, late]), ["major", "minor"])
    assert len(both) == 2 * len(cal.patterns(early, 5))
    table = both.set_index("target")
    assert table.loc["1816-1945: force rate, balance", "value"] == pytest.approx(25.0)
    assert table.loc["1946-2010: force rate, balance", "value"] == 0.0
    pd.testing.assert_frame_equal(cal.era_patterns(early, ["major", "minor"]), cal.patterns(early, 5))
