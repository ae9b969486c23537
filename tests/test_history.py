"""The historical panel on a tiny hand-made dataset with known answers, the class rules, the
rates and their intervals, and ``hedgesim history``."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from hedgesim.cli import main
from hedgesim.experiments.analysis import class_ratios, onset_rates, rate_ratio
from hedgesim.experiments.stats import poisson_rate_ci
from hedgesim.record import data
from hedgesim.record import panel as history


def write(folder, name, rows):
    spec = data.EXTRACTS[name]
    frame = pd.DataFrame(rows, columns=list(spec.columns.values())).astype(spec.types)
    frame.to_parquet(folder / f"{name}.parquet", index=False)


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Two majors (1, 2) 1900-1910; minor 10 borders major 1 by land; minor 11 (from 1905)
    is across 12 miles of water from major 2 and 150 miles from major 1 (too far)."""
    write(tmp_path, "majors", [(1, 1900, 1910), (2, 1900, 1910)])
    write(tmp_path, "states", [(1, "A", "a", 1900, 1910), (2, "B", "b", 1900, 1910),
                               (10, "M", "m", 1900, 1910), (11, "N", "n", 1905, 1910)])
    write(tmp_path, "contiguity", [(1, 10, 1, 1890, 1920), (1, 11, 4, 1890, 1920),
                                   (2, 11, 2, 1890, 1920)])
    pacts = [(1, 10, y, 1, 0, 0, 0, 0) for y in (1900, 1901, 1902)]
    pacts += [(2, 10, y, 1, 0, 0, 0, 0) for y in (1902, 1903, 1904)]
    pacts += [(2, 10, 1905, 0, 0, 0, 1, 1)]  # a non-aggression pact is no defence pact
    write(tmp_path, "atop", pacts)
    write(tmp_path, "rivalries", [(1, "A-B", 1, 2, 1850, 1950, "positional", None, None)])
    write(tmp_path, "nmc", [(c, y, 1.0, 1.0, cinc) for c, cinc in ((1, 0.2), (2, 0.3),
                                                                    (10, 0.01), (11, 0.0001))
                            for y in range(1900, 1911)])
    write(tmp_path, "trade", [(10, 1903, 5.0, 7.0)])
    write(tmp_path, "mids", [
        (100, 1, 10, 1903, 1, 1, 4, 16, 1, 4),   # major 1 uses force on 10: counts
        (100, 10, 1, 1903, 1, 0, 4, 16, 1, 4),   # the same dispute the other way round
        (101, 1, 10, 1904, 1, 1, 3, 7, 1, 3),    # a display of force: hostility 3, not counted
        (102, 1, 10, 1905, 1, 0, 5, 20, 1, 5),   # major 1 on side B: not counted
        (103, 1, 10, 1906, 0, 1, 4, 16, 1, 4),   # an ongoing year, not an onset
    ])
    write(tmp_path, "wars", [(7, 1, 10, 1906, 1, 1, 1, 1), (7, 1, 10, 1907, 0, 1, 1, 1)])
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    return history.build_panel(1900, 1910)


def test_the_panel_holds_contiguous_major_minor_years_only(tiny):
    pairs = tiny.groupby(["major", "minor"])["year"].agg(["min", "max", "count"])
    assert pairs.to_dict("index") == {(1, 10): {"min": 1900, "max": 1910, "count": 11},
                                      (2, 11): {"min": 1905, "max": 1910, "count": 6}}
    assert set(tiny.loc[tiny["minor"] == 11, "conttype"]) == {2}


def test_the_alignment_classes_follow_the_defence_pacts(tiny):
    ten = tiny[tiny["minor"] == 10].set_index("year")["alignment"].astype(str)
    assert ten[1900] == ten[1901] == "bandwagon"
    assert ten[1902] == "both"
    assert ten[1903] == ten[1904] == "balance"
    assert (ten.loc[1905:] == "non-aligned").all()
    rival = tiny[tiny["minor"] == 10].set_index("year")["rival_patron"]
    assert rival[1902] and rival[1903] and not rival[1900] and not rival[1905]
    assert tiny["rival_available"].all()  # majors 1 and 2 are rivals throughout


def test_outcomes_count_onsets_by_the_major_on_side_a(tiny):
    ten = tiny[tiny["minor"] == 10].set_index("year")
    assert ten["force"].to_dict() == {y: int(y == 1903) for y in range(1900, 1911)}
    assert ten["war"].to_dict() == {y: int(y == 1906) for y in range(1900, 1911)}
    assert ten.loc[1903, "cinc_ratio"] == pytest.approx(20.0)
    assert ten.loc[1903, "trade_minor"] == 12.0 and pd.isna(ten.loc[1904, "trade_minor"])
    assert ten.loc[1903, "ratio_band"] == "10-100"


def test_rates_by_class_by_hand(tiny):
    rates = onset_rates(tiny, ["alignment"]).set_index("alignment")
    assert rates.loc["balance", "dyad_years"] == 2 and rates.loc["balance", "force_onsets"] == 1
    assert rates.loc["balance", "force_rate"] == pytest.approx(50.0)
    assert rates.loc["non-aligned", "dyad_years"] == 12
    assert rates.loc["non-aligned", "war_rate"] == pytest.approx(100 / 12)


def test_exact_poisson_interval():
    """Garwood's interval: chi-square quantiles; for 0 events the upper bound is -ln(0.025)."""
    assert poisson_rate_ci(0, 1.0) == pytest.approx((0.0, -__import__("math").log(0.025)))
    low, high = poisson_rate_ci(5, 2.0)
    assert low == pytest.approx(stats.chi2.ppf(0.025, 10) / 4)
    assert high == pytest.approx(stats.chi2.ppf(0.975, 12) / 4)
    assert low == pytest.approx(1.6235 / 2, abs=1e-4) and high == pytest.approx(11.668 / 2, abs=1e-3)


def test_rate_ratio_interval_is_the_conditional_binomial_one():
    rr, lo, hi = rate_ratio((20, 71), (7.31, 28.25))
    ci = stats.binomtest(20, 91).proportion_ci(method="exact")
    assert rr == pytest.approx((20 / 7.31) / (71 / 28.25))
    assert lo == pytest.approx(ci.low / (1 - ci.low) * 28.25 / 7.31)
    assert hi == pytest.approx(ci.high / (1 - ci.high) * 28.25 / 7.31)
    assert lo < rr < hi


def test_class_ratios_of_the_record():
    panel = history.build_panel()
    ratios = class_ratios(panel, [("balance", "non-aligned")]).set_index("outcome")
    assert ratios.loc["force", "lo"] < ratios.loc["force", "rate_ratio"] < ratios.loc["force", "hi"]


def test_history_command_prints_and_writes(tmp_path, capsys):
    assert main(["history", "--out", str(tmp_path / "h")]) == 0
    out = capsys.readouterr().out
    assert "non-aligned" in out and "rate ratios" in out
    for name in ("panel.parquet", "panel.csv", "rates_by_class.csv", "ratios.parquet",
                 "history.png", "history.svg", "report.md"):
        assert (tmp_path / "h" / name).stat().st_size > 0, name
    panel = pd.read_parquet(tmp_path / "h" / "panel.parquet")
    assert len(panel) > 4000 and set(panel["alignment"]) == set(history.CLASSES)


def test_history_bad_years_are_one_line(capsys):
    assert main(["history", "--first", "1700"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
