"""Compare two rule sets on the whole population (domain §7.6: before activating one).

    report = compare_rule_sets(frames, as_of, load_profile("ningbo-2021"), other)
    print(report.text()); report.to_json()

Each person's score in their district under A and under B, the difference B − A, and a
summary: how many changed, the mean and quantiles of the difference, gainers and losers by
district and by how much (bands). Exact: differences are integer hundredths; only the mean
is a rounded decimal. Minors (no own score) are left out.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from points.population.load import Frames
from points.population.prepare import prepare_inputs
from points.population.score import SCORE_ENGINE, score_plan
from points.rules.model import RuleSet

#: Bands of |B − A| in points: (label, lower bound inclusive, upper bound exclusive).
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0–1", 0, 100), ("1–5", 100, 500), ("5–10", 500, 1000), ("10–20", 1000, 2000),
    ("20+", 2000, None),
)
QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def _pts(h: int | None) -> str | None:
    return None if h is None else str((Decimal(h) / 100).quantize(Decimal("0.01")))


@dataclass
class ComparisonReport:
    """The outcome of ``compare_rule_sets``; ``per_person`` holds one row per scored adult
    (id_number, district, score_a, score_b, diff in hundredths)."""

    rule_a: str
    rule_b: str
    as_of: dt.date
    count: int
    changed: int
    gainers: int
    losers: int
    mean_diff: str
    quantiles: dict[str, str | None]
    by_district: list[dict[str, Any]] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    per_person: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def share_changed(self) -> str:
        if not self.count:
            return "0.0000"
        return str((Decimal(self.changed) / self.count).quantize(Decimal("0.0001")))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("per_person")
        d["as_of"] = self.as_of.isoformat()
        d["share_changed"] = self.share_changed
        return d

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    def text(self) -> str:
        """A plain-text report for people."""
        lines = [f"规则对比 {self.rule_a} → {self.rule_b}, 评分日 {self.as_of}",
                 f"人数 {self.count}; 分数变化 {self.changed} ({self.share_changed}); "
                 f"上升 {self.gainers}, 下降 {self.losers}; 平均变化 {self.mean_diff}",
                 "分位数 " + ", ".join(f"p{int(float(q) * 100)}={v}"
                                     for q, v in self.quantiles.items())]
        lines.append(f"{'district':<10}{'count':>10}{'gainers':>10}{'losers':>10}"
                     f"{'mean':>10}")
        for r in self.by_district:
            lines.append(f"{r['district'] or '-':<10}{r['count']:>10}{r['gainers']:>10}"
                         f"{r['losers']:>10}{r['mean_diff']:>10}")
        lines.append(f"{'band':<10}{'gainers':>10}{'losers':>10}")
        for b in self.bands:
            lines.append(f"{b['band']:<10}{b['gainers']:>10}{b['losers']:>10}")
        return "\n".join(lines)


def _mean(total: int | None, n: int) -> str:
    if not n:
        return "0.00"
    return str((Decimal(total or 0) / n / 100).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _band(diff: pl.Expr) -> pl.Expr:
    a = diff.abs()
    expr = pl.lit(None, pl.String)
    for label, lo, hi in reversed(BANDS):
        cond = (a >= lo) if hi is None else (a >= lo) & (a < hi)
        expr = pl.when(cond).then(pl.lit(label)).otherwise(expr)
    return expr


def compare_rule_sets(frames_or_inputs: Frames | pl.DataFrame, as_of: dt.date,
                      rule_a: RuleSet, rule_b: RuleSet, *, district: str | None = None
                      ) -> ComparisonReport:
    """Score everyone under A and under B (in their district, or ``district``) and sum up
    the differences. Pass the record frames (inputs are prepared once for both rule sets)
    or inputs from ``prepare_inputs(frames, as_of, [rule_a, rule_b])``."""
    inputs = (prepare_inputs(frames_or_inputs, as_of, [rule_a, rule_b], rent_subsidy=False)
              if isinstance(frames_or_inputs, dict) else frames_or_inputs)
    # both plans are row-wise over the same inputs: same rows, same order, no join needed
    a, b = pl.collect_all([
        score_plan(inputs, as_of, rule_a, district).select("id_number", "district", "score"),
        score_plan(inputs, as_of, rule_b, district).select("score")], engine=SCORE_ENGINE)
    per = (a.rename({"score": "score_a"}).with_columns(score_b=b["score"])
           .filter(pl.col("score_a").is_not_null())
           .with_columns(diff=pl.col("score_b") - pl.col("score_a")))
    diff = pl.col("diff")
    s = per.select(n=pl.len(), changed=(diff != 0).sum(), up=(diff > 0).sum(),
                   down=(diff < 0).sum(), total=diff.sum(),
                   **{f"q{q}": diff.quantile(q, "nearest") for q in QUANTILES}).row(0, named=True)
    dist = (per.group_by("district").agg(
        count=pl.len(), gainers=(diff > 0).sum(), losers=(diff < 0).sum(), total=diff.sum())
        .sort("district", nulls_last=True))
    by_district = [{"district": r["district"], "count": r["count"], "gainers": r["gainers"],
                    "losers": r["losers"], "mean_diff": _mean(r["total"], r["count"])}
                   for r in dist.iter_rows(named=True)]
    banded = per.filter(diff != 0).with_columns(band=_band(diff)).group_by("band").agg(
        gainers=(diff > 0).sum(), losers=(diff < 0).sum())
    counts = {r["band"]: r for r in banded.iter_rows(named=True)}
    bands = [{"band": label, "gainers": counts.get(label, {}).get("gainers", 0),
              "losers": counts.get(label, {}).get("losers", 0)} for label, _, _ in BANDS]
    return ComparisonReport(
        rule_a=rule_a.id, rule_b=rule_b.id, as_of=as_of, count=s["n"], changed=s["changed"],
        gainers=s["up"], losers=s["down"], mean_diff=_mean(s["total"], s["n"]),
        quantiles={str(q): _pts(s[f"q{q}"]) for q in QUANTILES},
        by_district=by_district, bands=bands, per_person=per)
