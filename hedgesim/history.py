"""``hedgesim history``: the 1816-2010 record of the major powers and their contiguous minors,
the rates the model must meet (docs/validation.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hedgesim.cli import UsageError, check_out, out_dir
from hedgesim.record.panel import FIRST, LAST

RATIO_PAIRS = (("balance", "non-aligned"), ("bandwagon", "non-aligned"), ("both", "non-aligned"),
               ("balance", "bandwagon"))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="the 1816-2010 record of great powers and their small "
                                       "neighbours: onset rates by alignment class",
                       description="Build the panel of (major, contiguous minor, year) from the "
                                   "shipped COW, ATOP, GML MID and Thompson-Dreyer data and print "
                                   "force and war onsets per 100 dyad-years by alignment class, "
                                   "era and capability ratio, with exact Poisson 95% intervals.")
    p.add_argument("--out", type=out_dir, default=Path("history-results"),
                   help="where to write the panel, the tables (Parquet, CSV), the figure and "
                        "report.md (default history-results/)")
    p.add_argument("--first", type=int, default=FIRST, help=f"first year (default {FIRST})")
    p.add_argument("--last", type=int, default=LAST, help=f"last year (default {LAST})")
    p.set_defaults(handler=history_command)


def record_tables(first: int = FIRST, last: int = LAST):
    """The panel and the record's tables, as ``hedgesim history`` prints and writes them."""
    from hedgesim.experiments.analysis import class_ratios, onset_rates
    from hedgesim.record.panel import build_panel

    panel = build_panel(first, last)
    tables = {
        "rates_by_class": onset_rates(panel, ["alignment"]),
        "ratios": class_ratios(panel, RATIO_PAIRS),
        "rates_by_era": onset_rates(panel, ["era", "alignment"]),
        "rates_by_band": onset_rates(panel, ["ratio_band", "alignment"]),
    }
    return panel, tables


def history_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.history_report import format_rates, write_history

    if not FIRST <= args.first <= args.last <= LAST:
        raise UsageError(f"--first {args.first} --last {args.last}: need {FIRST} <= first <= "
                         f"last <= {LAST}")
    check_out(args.out, owner="history")
    panel, tables = record_tables(args.first, args.last)
    print(f"majors and their contiguous minors, {args.first}-{args.last}: {len(panel):,} "
          f"dyad-years, {int(panel['force'].sum())} force onsets, {int(panel['war'].sum())} war "
          f"onsets; per 100 dyad-years, exact Poisson 95% intervals\n")
    print(format_rates(tables["rates_by_class"], ["alignment"]))
    print("\nrate ratios (exact 95% intervals)")
    r = tables["ratios"]
    print(r.assign(rate_ratio=[f"{x:.2f} [{lo:.2f}, {hi:.2f}]" for x, lo, hi in
                               zip(r["rate_ratio"], r["lo"], r["hi"], strict=True)])[
        ["outcome", "ratio", "rate_ratio", "onsets"]].to_string(index=False))
    print("\nby era")
    print(format_rates(tables["rates_by_era"], ["era", "alignment"]))
    print("\nby capability ratio (CINC major / minor)")
    print(format_rates(tables["rates_by_band"], ["ratio_band", "alignment"]))
    write_history(panel, tables, args.out)
    print(f"\nwrote {args.out}/panel.parquet, the tables (.csv, .parquet), history.png/.svg and "
          f"report.md")
    return 0
