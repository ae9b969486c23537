"""Tessman's filters on constructed yearly series: one state passing all three, one failing each;
the verdict never depends on a strategy label."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedgesim.cli import main
from hedgesim.experiments.tessman import (
    ALLIANCE_MAX,
    ARMING_MAX,
    DEPENDENCY_DROP,
    classify,
    leader_of,
    verdict_rows,
)

YEARS = 21


def series(**overrides: np.ndarray | float) -> pd.DataFrame:
    """A hedger toward leader L with rival R: dependency on L falls steadily by a third, no
    alliance or bases of R, moderate arming, alignment with R below alignment with L."""
    t = np.arange(YEARS)
    data: dict[str, np.ndarray | float] = {
        "step": t, "year": 2000 + t, "state": "S", "alive": True,
        "capability": 0.01, "arming": 0.55,
        "dependency_L": np.linspace(0.6, 0.4, YEARS), "dependency_R": 0.1,
        "leverage_L": 0.5, "leverage_R": 0.05, "threat_L": 0.8, "threat_R": 0.2,
        "gp_capability_L": 0.1, "gp_capability_R": 0.2,
        "alliance_L": 0.5, "alliance_R": 0.0, "bases_L": 0.1, "bases_R": 0.0,
        "alignment_L": 0.5, "alignment_R": 0.3,
    }
    data.update(overrides)
    return pd.DataFrame({k: np.broadcast_to(v, YEARS) for k, v in data.items()})


def passed(df: pd.DataFrame) -> tuple[bool, bool, bool]:
    return tuple(f.passed for f in classify(df).filters)  # type: ignore[return-value]


def test_hedger_passes_all_three_filters() -> None:
    v = classify(series())
    assert (v.leader, v.rivals) == ("L", ("R",))
    assert passed(series()) == (True, True, True) and v.hedger
    assert v.filters[0].evidence["dependency_change"] == pytest.approx(-1 / 3)


def test_rising_dependency_fails_filter_one() -> None:
    df = series(dependency_L=np.linspace(0.6, 0.7, YEARS))
    assert passed(df)[0] is False and not classify(df).hedger


def test_competitive_route_passes_filter_one() -> None:
    # Dependency unchanged, but the state gains a fifth on the leader's capability.
    df = series(dependency_L=0.6, capability=np.linspace(0.01, 0.012, YEARS))
    assert passed(df) == (True, True, True)


def test_alliance_with_the_rival_fails_filter_two() -> None:
    df = series(alliance_R=np.linspace(0.0, 2 * ALLIANCE_MAX, YEARS))
    assert passed(df) == (True, False, False)


def test_arms_build_up_fails_filter_two() -> None:
    df = series(arming=np.linspace(0.5, ARMING_MAX + 0.1, YEARS))
    assert passed(df)[1] is False


def test_siding_with_the_rival_fails_filter_two() -> None:
    df = series(alignment_R=0.7)
    assert passed(df)[1] is False


def test_reversal_fails_filter_three() -> None:
    # Dependency halves in ten years, then a new course brings most of it back; the end is
    # still more than DEPENDENCY_DROP below the start, so filter one passes.
    dep = np.concatenate([np.linspace(0.6, 0.3, 11), np.full(10, 0.6 * (1 - 2 * DEPENDENCY_DROP))])
    assert passed(series(dependency_L=dep)) == (True, True, False)


def test_late_spell_fails_filter_three() -> None:
    dep = np.concatenate([np.full(17, 0.6), np.linspace(0.6, 0.45, 4)])
    assert passed(series(dependency_L=dep)) == (True, True, False)


def test_leader_is_the_power_with_most_leverage_and_threat() -> None:
    df = series(leverage_R=0.9, threat_R=0.9)
    assert leader_of(df) == "R"


def test_too_short_a_life_shows_no_sustained_line() -> None:
    df = series(alive=np.arange(YEARS) < 3)
    assert passed(df) == (False, False, False)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["balance", "bandwagon", "hedge"]), min_size=YEARS,
                max_size=YEARS))
def test_verdict_ignores_the_strategy_label(labels: list[str]) -> None:
    base = series(alliance_R=np.linspace(0.0, 0.5, YEARS))
    labelled = base.assign(strategy=labels)
    assert classify(labelled) == classify(base)


def test_verdict_rows_one_row_per_replicate_and_state() -> None:
    df = pd.concat([series().assign(replicate=0),
                    series(dependency_L=0.6).assign(replicate=1)])
    rows = verdict_rows(df)
    assert rows["hedger"].tolist() == [True, False]
    assert rows["filter_1"].tolist() == [True, False]


def test_cli_belarus_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tessman", "belarus", "--replicates", "3", "--jobs", "1", "--json",
                 "--strategy", "historical", "--strategy", "balance"])
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in records] == ["historical", "balance"]
    assert {r["leader"] for r in records} == {"Russia"}
    for r in records:
        assert 0.0 <= r["share_hedger"] <= min(r["share_filter_1"], r["share_filter_2"],
                                               r["share_filter_3"])


@pytest.mark.parametrize("argv", [
    ["tessman", "nowhere"],
    ["tessman", "belarus", "--strategy", "dither"],
    ["tessman", "belarus", "--replicates", "0"],
    ["tessman", "belarus", "--seed", "-1"],
])
def test_cli_bad_input_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hedgesim: error: ") and err.count("\n") == 1


def test_cli_under_an_ensemble_pools_the_members_and_reports_each(tmp_path, capsys):
    from hedgesim.scenarios.ensemble import Member, ensemble_toml, identity

    members = [Member(identity(p), p, 1.0) for p in
               ({"war_intercept": -6.0}, {"war_intercept": -1.0})]
    path = tmp_path / "e.toml"
    path.write_text(ensemble_toml(members, {}))
    assert main(["tessman", "belarus", "--replicates", "6", "--jobs", "1", "--json",
                 "--ensemble", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    (pooled,) = out["pooled"]
    by_member = {r["member"]: r for r in out["by_member"]}
    assert set(by_member) == {m.id for m in members}
    assert pooled["replicates"] == 12 and all(r["replicates"] == 6 for r in by_member.values())
    for share in ("share_hedger", "share_filter_1", "share_filter_2", "share_filter_3"):
        assert pooled[share] == pytest.approx(np.mean([r[share] for r in by_member.values()]))
    # each member's rows are those of a run under its parameters alone
    assert main(["tessman", "belarus", "--replicates", "6", "--jobs", "1", "--json",
                 "--ensemble", str(_one(tmp_path, members[1]))]) == 0
    alone = json.loads(capsys.readouterr().out)["by_member"][0]
    assert alone == by_member[members[1].id]


def _one(tmp_path, member):
    from hedgesim.scenarios.ensemble import ensemble_toml

    path = tmp_path / f"{member.id}.toml"
    path.write_text(ensemble_toml([member], {}))
    return path
