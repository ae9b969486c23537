"""``hedgesim walt``: the designed contrasts computed by hand, and the command."""

from __future__ import annotations

import pandas as pd
import pytest

from hedgesim.cli import main
from hedgesim.experiments import walt


def records() -> pd.DataFrame:
    """Two runs (seeds) of three settings: the baseline and one hypothesis's low and high."""
    rows = []
    for setting, balancing in ((0, (1, 0)), (1, (0, 0)), (2, (1, 1))):
        for seed in (1, 2):
            for k in range(2):  # two states per run; the second balances as given
                rows.append({"setting": setting, "seed": seed, "survived": True,
                             "attacked": k == 1,
                             "strategy_final": "balance" if k == 1 and balancing[seed - 1]
                             else "bandwagon" if k == 1 else "hedge"})
    return pd.DataFrame(rows)


def test_effects_are_paired_differences_of_shares():
    h = (walt.Hypothesis(1, "x", "f", 0.0, 1.0),
         walt.Hypothesis(4, "war", None, strategy="bandwagon"))
    table = walt.model_effects(records(), seed=0, hypotheses=h).set_index("hypothesis")
    # low level: no one balances; high: one state in two in both runs
    assert table.loc[1, "low_level"] == 0.0 and table.loc[1, "high_level"] == 0.5
    assert table.loc[1, "effect"] == pytest.approx(0.5)
    # baseline: the attacked state bandwagons in run 2 only; the unattacked never
    assert table.loc[4, "effect"] == pytest.approx(0.5)
    assert walt.verdict(0.1, 0.3) == "supports" and walt.verdict(-0.3, -0.1) == "contradicts"
    assert walt.verdict(-0.1, 0.1) == "inconclusive"


def test_walt_runs_every_hypothesis_and_writes_its_report(tmp_path, capsys):
    out = tmp_path / "w"
    assert main(["walt", "--replicates", "8", "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert all(f"{k}. " in text for k in range(1, 5))
    table = pd.read_csv(out / "walt.csv")
    assert list(table["hypothesis"]) == [1, 2, 3, 4] and table["runs"].min() > 0
    assert (table["effect_lo"] <= table["effect"]).all()
    assert "Walt's four hypotheses" in (out / "report.md").read_text()
    assert main(["walt", "--replicates", "0", "--out", str(tmp_path / "x")]) == 2
