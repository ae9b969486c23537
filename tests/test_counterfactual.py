"""The counterfactual pipeline end to end at small N, its pieces, and its command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedgesim.cli import main
from hedgesim.experiments.counterfactual import (
    ARMS,
    CASES,
    FACTORS,
    Roles,
    factor_overrides,
    main_settings,
    paired_difference,
    roles,
    run_counterfactual,
)
from hedgesim.experiments.counterfactual_report import write_counterfactual
from hedgesim.experiments.engine import Executor, Setting, replicate_seeds, run_settings
from hedgesim.scenarios.loader import load_scenario
from hedgesim.scenarios.schema import CHANNELS

N = 8
SUMMARY_COLUMNS = ["scenario", "strategy", "replicates", "attacked", "attacked_lo",
                   "attacked_hi", "survived", "autonomy_mean", "autonomy_mean_lo",
                   "autonomy_mean_hi", "years_to_war"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The pipeline written twice from the same seed."""
    dirs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        write_counterfactual(run_counterfactual(N, seed=11), out)
        dirs.append(out)
    return dirs[0], dirs[1]


def test_files_written(outputs: tuple[Path, Path]) -> None:
    out = outputs[0]
    for name in ("summary.csv", "decomposition.csv", "shapley.csv", "report.md",
                 "hazard_ratios.csv",
                 *(f"{f}.{ext}" for f in ("war_probability", "survival", "autonomy")
                   for ext in ("png", "svg", "pdf"))):
        assert (out / name).stat().st_size > 0, name
    from PIL import Image

    with Image.open(out / "war_probability.png") as png:  # fit to print
        assert round(png.info["dpi"][0]) == 300


def test_summary_columns_and_intervals(outputs: tuple[Path, Path]) -> None:
    s = pd.read_csv(outputs[0] / "summary.csv")
    assert set(SUMMARY_COLUMNS) <= set(s.columns)
    assert sorted(zip(s["scenario"], s["strategy"], strict=True)) == sorted(
        (c, a) for c in CASES for a in ARMS)
    assert (s["replicates"] == N).all()
    assert (s["attacked_lo"] <= s["attacked"]).all()
    assert (s["attacked"] <= s["attacked_hi"]).all()
    assert (s["autonomy_mean_lo"] <= s["autonomy_mean"] + 1e-12).all()
    assert (s["autonomy_mean"] <= s["autonomy_mean_hi"] + 1e-12).all()


def test_decomposition_and_shapley_add_up(outputs: tuple[Path, Path]) -> None:
    d = pd.read_csv(outputs[0] / "decomposition.csv")
    assert set(d["swapped"]) == {"none", "all", *FACTORS}
    assert (d.loc[d["swapped"] == "none", "change"] == 0).all()
    sh = pd.read_csv(outputs[0] / "shapley.csv")
    for _, g in sh.groupby("scenario"):
        parts = g.set_index("component")["contribution"]
        assert parts.drop("gap").sum() == pytest.approx(parts["gap"], abs=1e-5)


def test_report_states_every_claim(outputs: tuple[Path, Path]) -> None:
    text = (outputs[0] / "report.md").read_text()
    for number in range(1, 6):
        assert f"### {number}." in text
    assert "Belarus and Tessman" in text
    assert text.count("**reproduced**") + text.count("**contradicted**") + text.count(
        "**inconclusive at n = ") == 5
    assert "baseline at that n" in text


def test_same_seed_same_bytes(outputs: tuple[Path, Path]) -> None:
    first, second = outputs
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_arms_run_on_identical_paired_seeds() -> None:
    seeds = replicate_seeds(3, 4)
    results = run_settings(main_settings(), seeds)
    for frame in results.values():
        assert frame["seed"].tolist() == seeds
        assert frame["replicate"].tolist() == list(range(4))
    a, b = results[Setting.of("ukraine", "hedge")], results[Setting.of("vietnam", "balance")]
    with pytest.raises(ValueError):
        paired_difference(a, b.iloc[::-1], "attacked")


@pytest.mark.slow
def test_processes_do_not_change_results() -> None:
    settings = [Setting.of("ukraine", "historical"), Setting.of("vietnam", "balance")]
    seeds = replicate_seeds(5, 6)
    one = run_settings(settings, seeds)
    two = run_settings(settings, seeds, Executor("processes", 2, serial_below=0))
    for s in settings:
        pd.testing.assert_frame_equal(one[s], two[s])


def test_roles() -> None:
    assert roles(load_scenario("ukraine")) == Roles("Ukraine", "Russia", "West")
    assert roles(load_scenario("vietnam")) == Roles("Vietnam", "China", "USA")


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("base", CASES)
def test_swaps_give_the_donors_structure(base: str, factor: str) -> None:
    donor = next(c for c in CASES if c != base)
    b, d = load_scenario(base), load_scenario(donor)
    swapped = b.with_overrides(factor_overrides(b, d, factor))  # validated like the file
    rb, rd = roles(b), roles(d)

    def get(scenario, name):
        return next(e for e in (*scenario.great_powers, *scenario.small_states)
                    if e["name"] == name)

    s, n = get(swapped, rb.state), get(swapped, rb.neighbour)
    ds, dn = get(d, rd.state), get(d, rd.neighbour)
    if factor == "capability":
        assert n["capability"] / s["capability"] == pytest.approx(
            dn["capability"] / ds["capability"])
    elif factor == "dependency":
        for channel in CHANNELS:
            assert s[channel].get(rb.neighbour, 0) == ds[channel].get(rd.neighbour, 0)
            assert sum(s[channel].values()) <= 1 + 1e-9
    elif factor == "rival":
        assert s["proximity"][rb.rival] == ds["proximity"][rd.rival]
    else:
        assert n["revisionism"] == dn["revisionism"]
    untouched = get(swapped, rb.rival) if factor != "rival" else n
    assert untouched == get(b, untouched["name"])


@pytest.mark.parametrize("argv", [
    ["counterfactual", "--replicates", "0"],
    ["counterfactual", "--seed", "-3"],
    ["counterfactual", "--workers", "0"],
])
def test_cli_bad_input_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hedgesim: error: ") and err.count("\n") == 1


def test_cli_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["counterfactual", "--replicates", "2", "--out", str(target)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert target.read_text() == "x" and list(tmp_path.iterdir()) == [target]


def test_seeds_prefix_is_shared() -> None:
    """The decomposition's subsample reuses the arms' first seeds (and so their runs)."""
    assert replicate_seeds(11, N)[: N // 4] == replicate_seeds(11, N // 4)
    assert np.unique(replicate_seeds(11, N)).size == N


def test_a_variant_judges_only_the_claims_of_its_own_case() -> None:
    """A Ukraine variant says nothing about Vietnam's claims ("Russia.revisionism" is no
    parameter of the Vietnam scenario), and every verdict is compared with the baseline judged
    on as many runs."""
    from hedgesim.experiments.counterfactual import (
        decomposition_settings,
        sensitivity_settings,
        sensitivity_table,
        sensitivity_variants,
    )

    seeds = replicate_seeds(2, 8)
    variants = [v for v in sensitivity_variants() if v[0].startswith(("Russia.", "China."))][:2]
    settings = list(dict.fromkeys([*main_settings(), *sensitivity_settings(variants)]))
    table = sensitivity_table(run_settings(settings, seeds), variants).set_index("variant")
    assert table.index[0] == "baseline (same n)"
    russia = next(label for label, _ in variants if label.startswith("Russia."))
    assert table.loc[russia, "claim_3"] == table.loc[russia, "claim_4"] == "–"
    assert table.loc[russia, "claim_1"] != "–" and table.loc[russia, "claim_5"] != "–"
    assert all(v in ("reproduced", "contradicted", "–") or v.startswith("inconclusive at n = 8")
               for v in table.to_numpy().ravel())
    assert decomposition_settings()
