"""Walt's hypotheses' report (``hedgesim walt``): the effects beside the record's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hedgesim.experiments.report import md_table, write_csv, write_stamped


def write_walt(table: pd.DataFrame, out: Path, replicates: int, seed: int) -> None:
    """walt.csv and report.md of ``hedgesim walt``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "walt.csv", table)
    shown = table.assign(
        model=[f"{e:+.3f} [{a:+.3f}, {b:+.3f}] ({v})" for e, a, b, v in zip(
            table["effect"], table["effect_lo"], table["effect_hi"], table["model_verdict"],
            strict=True)],
        record=["–" if t == "–" else f"{t}: {c:+.3f} [{a:+.3f}, {b:+.3f}] ({v})"
                for t, c, a, b, v in zip(table["record_term"], table["record_coef"],
                                         table["record_lo"], table["record_hi"],
                                         table["record_verdict"], strict=True)])
    lines = ["# Walt's four hypotheses, tested", "",
             f"`hedgesim walt --replicates {replicates} --seed {seed}`: generic worlds of adaptive "
             "small states under the calibrated defaults, one input at a low and a high level on "
             "the same seeds; the effect is the paired difference (high − low) in the share of "
             "surviving states that end the run with the strategy named, with a bootstrap 95% "
             "interval over runs. The record: a logistic regression of a minor balancing on its "
             "relative strength, the major's having a rival, and the major's use-of-force "
             "initiations in the ten years before, errors clustered by dyad (coefficients on the "
             "log-odds scale). Method: experiments/walt.py.", "",
             *md_table(shown, ["hypothesis", "text", "outcome", "contrast", "model", "record"]),
             ""]
    write_stamped(out / "report.md", "\n".join(lines))
