"""Version semantics over columnar feed files, vectorised, with the rejected rows reported.

The rules are those of ``points.feeds.versions.decide`` (feeds.md "Versions"), the ones
ingestion and the one-person path (``RecordIndex``) apply one record at a time, in arrival
order: files in name order, rows in file order. Per (source, record_id):

- a row whose ``type`` or ``id_number`` differs from the key's first row is an identity
  change: rejected, whatever its version (the key's type is the one of its first row,
  across all the record types of the files);
- a higher version than any accepted so far replaces the record (a retraction too);
- a lower version is ignored;
- the same version as the record in force is a replay when it says the same (retractions
  compare on their envelope only) and a conflict otherwise: rejected, the first stays.

So the record in force is the first row to arrive at the highest version among the rows
that are not identity changes; it is live unless it is a retraction.

How, for a whole city (37 M rows): a key seen once (almost every row) is its own record,
so the rules run only on the rows of keys seen more than once (5 % of the bench's city).
Those are found on a 64-bit hash of (source, record_id) over every row of every type at
once (a collision only sends a row through the exact path), by sorting the hashes. The
rows of those keys are then decided exactly, sorted by key and arrival, with shifts,
cumulative maxima and gathers only. Measured on the shared 2-core machine with this Polars
(2.1), whose hash-based group operations are slow here: finding repeated hashes among 37 M
by sorting took 2.7 s where ``is_duplicated`` took 17.5 s; deciding the 360 k repeated
rows of ``employment`` with window expressions (``over`` the key) took 9.5 s, hence the
sorts and shifts.

A type's frame reads each of its files when it is collected, all columns for the rows of
repeated keys (a conflict compares every field); ``load_checked`` reads those rows first
(``read_repeated``), so that its records in force and its rejected rows, collected
together, are decided from them once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from points.feeds.schema import ENVELOPE

KEY = ["source", "record_id"]
ORDER = ["_file", "_row"]
#: Seed of the key hash (any constant: it only groups rows, it is never stored).
SEED = 20211
#: How many rejected rows of each kind the report quotes.
EXAMPLES = 5
IDENTITY_CHANGE = "identity_change"
CONFLICT = "conflict"
_REJECTED_SCHEMA = {"kind": pl.String, "type": pl.String, "source": pl.String,
                    "record_id": pl.String, "version": pl.Int64, "_file": pl.Int32,
                    "_row": pl.Int64}
_NO_KEYS = pl.DataFrame(schema={"source": pl.String, "record_id": pl.String})


@dataclass(frozen=True)
class Part:
    """One feed file's rows of one record type, in file order: ``frame`` has the type's
    feeds.md columns and ``_row`` (Int64: the row's number in its file, as the readers
    number them); ``file`` is the file's place in arrival order."""

    file: int
    frame: pl.LazyFrame


@dataclass(frozen=True)
class Rejection:
    """One rejected row: what was wrong (``identity_change`` or ``conflict``), the record
    it names and where it is (file, row)."""

    kind: str
    type: str
    source: str
    record_id: str
    version: int
    file: str
    row: int

    def text(self) -> str:
        return (f"{self.file} 第 {self.row} 行 / row {self.row}: {self.source} "
                f"{self.record_id} version {self.version} ({self.type})")


@dataclass(frozen=True)
class VersionReport:
    """What the version rules rejected: counts of each kind and the first few rows of each
    (in arrival order)."""

    conflicts: int = 0
    identity_changes: int = 0
    examples: tuple[Rejection, ...] = ()

    @property
    def rejected(self) -> int:
        return self.conflicts + self.identity_changes

    def lines(self) -> list[str]:
        """The report for people (Chinese, then English); no line when nothing was
        rejected."""
        out = []
        if self.conflicts:
            out.append(f"已拒绝 {self.conflicts} 条同版本冲突记录 "
                       "(同一版本内容不同, 保留先到的一条) "
                       f"/ rejected {self.conflicts} same-version conflicts (same version, "
                       "other content: the first stays)")
            out += [f"  {e.text()}" for e in self.examples if e.kind == CONFLICT]
        if self.identity_changes:
            out.append(f"已拒绝 {self.identity_changes} 条身份变更记录 "
                       "(type 或 id_number 与首条不同) "
                       f"/ rejected {self.identity_changes} identity changes (type or "
                       "id_number differs from the record's first row)")
            out += [f"  {e.text()}" for e in self.examples if e.kind == IDENTITY_CHANGE]
        return out


@dataclass(frozen=True)
class TypePlan:
    """One type's plans: ``live``, the records in force (``_row`` dropped); ``rejected``,
    its rejected rows (kind, type, source, record_id, version, _file, _row)."""

    live: pl.LazyFrame
    rejected: pl.LazyFrame


@dataclass(frozen=True)
class Versioned:
    """``apply_versions``' result: a ``TypePlan`` per type that has parts, and the files
    by their place in arrival order (for the report)."""

    plans: dict[str, TypePlan]
    files: tuple[str, ...] = ()

    @property
    def frames(self) -> dict[str, pl.LazyFrame]:
        return {name: plan.live for name, plan in self.plans.items()}


def key_hash() -> pl.Expr:
    """A 64-bit hash of (source, record_id) with its low ``TYPE_BITS`` bits cleared (they
    hold the type's number in ``_repeated``)."""
    return (pl.struct(KEY).hash(SEED) & pl.lit(_HASH_MASK, pl.UInt64)).alias("_h")


#: Low bits of the key hash that ``_repeated`` replaces by the type's number (≤ 32 types).
TYPE_BITS = 5
_HASH_MASK = (2**64 - 1) ^ (2**TYPE_BITS - 1)


def _repeated(parts: Mapping[str, Sequence[Part]]) -> tuple[dict[str, list[pl.Series | None]],
                                                            pl.Series]:
    """Which rows belong to keys seen more than once: per type and part a Boolean mask
    (None: no such row in the part), and the (masked) hashes seen in more than one type.

    The type's number rides in the hash's low bits, so one plain sort of the 37 M hashes
    puts a key's rows side by side, ordered by type, and the masks are an ``is_in`` of the
    repeated values: 5.9 s (CPU) on the bench's city where ``arg_sort`` and gathers by it
    (type numbers as a second column) took 15.0 s."""
    if len(parts) > 2**TYPE_BITS:
        raise ValueError(f"more than {2**TYPE_BITS} record types")
    hashes: dict[str, list[pl.Series]] = {}
    for t, (name, ps) in enumerate(parts.items()):
        tagged = key_hash() | pl.lit(t, pl.UInt64)
        hashes[name] = [p.frame.select(tagged).collect().to_series() for p in ps]
    every = [h for hs in hashes.values() for h in hs]
    if not every:
        return {}, pl.Series("_h", [], pl.UInt64)
    everything = pl.concat(every)
    s = everything.sort()
    key = s // 2**TYPE_BITS
    same = (key == key.shift(1)).fill_null(False)
    cross = (s.filter(same & (s != s.shift(1)).fill_null(False)) & _HASH_MASK).unique()
    repeated = s.filter(same | same.shift(-1).fill_null(False)).unique().implode()
    # one is_in over all rows, then a slice per part: 0.7 s on the bench's city where an
    # is_in per part (each building the set of repeated hashes again) took 2.2 s
    found = everything.is_in(repeated).rename("_m")
    masks: dict[str, list[pl.Series | None]] = {}
    at = 0
    for name, hs in hashes.items():
        masks[name] = []
        for h in hs:
            m = found.slice(at, len(h))
            at += len(h)
            masks[name].append(m if m.any() else None)
    return masks, cross


def _foreign_keys(parts: Mapping[str, Sequence[Part]], cross: pl.Series
                  ) -> dict[str, pl.DataFrame]:
    """Per type, the keys (source, record_id) whose first row (in arrival order) is of
    another type: a record never changes its type, so those rows are identity changes.
    Reads the key columns again, only when some hash is seen in two types (rare)."""
    if cross.is_empty():
        return {}
    found = [p.frame.select(*KEY, "_row").filter(key_hash().is_in(cross.implode()))
             .with_columns(_file=pl.lit(p.file, pl.Int32), _type=pl.lit(name)).collect()
             for name, ps in parts.items() for p in ps]
    env = pl.concat(found)
    multi = env.filter(pl.col("_type").n_unique().over(KEY) > 1)
    first = multi.sort(ORDER).group_by(KEY, maintain_order=True).agg(
        first=pl.col("_type").first(), types=pl.col("_type").unique())
    return {name: first.filter((pl.col("first") != name)
                               & pl.col("types").list.contains(name)).select(KEY)
            for name in multi["_type"].unique()}


def _decide(rows: pl.LazyFrame, foreign: pl.DataFrame, check: bool
            ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The rows of one type's repeated keys → (records in force, with ``_row``; rejected
    rows). ``foreign``: keys whose first row is of another type (all their rows here are
    identity changes). ``check=False``: trust the rows (highest version, first to arrive).

    Sorted by key then arrival, a key's rows are adjacent: "the key's first row", "the
    record in force when this row arrived" and "the key's last accepted row" are row
    positions found with shifts, cumulative sums and maxima, and fills."""
    names = rows.collect_schema().names()
    if foreign.height:
        rows = rows.join(foreign.lazy().with_columns(_foreign=pl.lit(True)), on=KEY,
                         how="left", maintain_order="left")
    rows = rows.sort([*KEY, *ORDER])
    at = pl.int_range(pl.len(), dtype=pl.UInt32)

    def starts() -> pl.Expr:
        return ((pl.col("source") != pl.col("source").shift(1))
                | (pl.col("record_id") != pl.col("record_id").shift(1))).fill_null(True)

    if check:
        first = pl.when(starts()).then(at).forward_fill()
        same = pl.lit(True)
        for c in ("type", "id_number"):
            if c in names:
                value = pl.col(c).fill_null("")
                same = same & (value == value.gather(first))
        if foreign.height:
            same = same & pl.col("_foreign").is_null()
        rows = rows.with_columns(_same=same)
        changed = rows.filter(~pl.col("_same")).with_columns(kind=pl.lit(IDENTITY_CHANGE))
        rows = rows.filter(pl.col("_same"))
    # versions as dense ranks under the key's group number: one cumulative maximum over
    # the sorted rows is then each key's own "highest version so far"
    rows = rows.with_columns(_new=starts(), _v=pl.col("version").rank("dense").cast(pl.UInt64))
    rows = rows.with_columns(_g=pl.col("_new").cum_sum().cast(pl.UInt64)
                             * pl.lit(2**32, pl.UInt64))
    best = (pl.col("_g") + pl.col("_v")).cum_max()
    rows = rows.with_columns(_before=pl.when(pl.col("_new")).then(None).otherwise(
        best.shift(1) - pl.col("_g")))
    accepted = pl.col("_new") | (pl.col("_v") > pl.col("_before"))
    rows = rows.with_columns(_stored=pl.when(accepted).then(at).forward_fill())
    last = pl.col("_new").shift(-1).fill_null(True)
    rows = rows.with_columns(_final=pl.when(last).then(pl.col("_stored")).backward_fill())
    live = rows.filter(at == pl.col("_final"))
    if check:
        stored = pl.col("_stored").shift(1)  # the record in force before this row arrived
        op = pl.col("op")
        fields = [c for c in names if c not in ENVELOPE and not c.startswith("_")]
        same_fields = pl.all_horizontal(
            [pl.col(c).eq_missing(pl.col(c).gather(stored)) for c in fields] or [True])
        same_content = (op == op.gather(stored)) & ((op == "retract") | same_fields)
        conflicts = rows.filter((pl.col("_v") == pl.col("_before")) & ~same_content
                                ).with_columns(kind=pl.lit(CONFLICT))
        rejected = pl.concat([changed.select("kind", "type", *KEY, "version", *ORDER),
                              conflicts.select("kind", "type", *KEY, "version", *ORDER)])
    else:
        rejected = pl.LazyFrame(schema=_REJECTED_SCHEMA)
    return live, rejected


def apply_versions(parts: Mapping[str, Sequence[Part]], files: Sequence[str | Path] = (), *,
                   check: bool = True, read_repeated: bool = False) -> Versioned:
    """Apply the version rules to every type's parts (see the module docstring).

    Reads the key columns of every part here; the plans read each part once more when
    collected. ``files`` names the parts' files in the report (by ``Part.file``).
    ``check=False`` trusts the files (the platform's own export, already decided): the
    highest version wins, nothing is rejected. ``read_repeated``: read the rows of the
    repeated keys here (every column, about 5 % of the rows), so that a type's records in
    force and its rejected rows, collected together, are decided from them once: Polars'
    plan otherwise scanned and decided them once for each (the reading phase of ``xjm
    points score`` on the bench's city: 16.1–16.4 s without, 12.0–14.6 s with)."""
    masks, cross = _repeated(parts)
    foreign = _foreign_keys(parts, cross) if check else {}
    plans = {}
    for name, ps in parts.items():
        single, multi = [], []
        for p, m in zip(ps, masks[name], strict=True):
            if m is None:
                single.append(p.frame)
                continue
            base = p.frame.with_columns(pl.lit(m), _file=pl.lit(p.file, pl.Int32))
            single.append(base.filter(~pl.col("_m")).drop("_m", "_file"))
            multi.append(base.filter(pl.col("_m")).drop("_m"))
        pieces = single
        if multi:
            rows = pl.concat(multi, how="vertical_relaxed")
            if read_repeated:
                rows = rows.collect().lazy()
            live, rejected = _decide(rows, foreign.get(name, _NO_KEYS), check)
            pieces.append(live.select(ps[0].frame.collect_schema().names()))
        else:
            rejected = pl.LazyFrame(schema=_REJECTED_SCHEMA)
        lf = pl.concat(pieces, how="vertical_relaxed")
        plans[name] = TypePlan(lf.filter(pl.col("op") != "retract").drop("_row"), rejected)
    return Versioned(plans, tuple(str(f) for f in files))


def report(rejected: Sequence[pl.DataFrame], files: Sequence[str]) -> VersionReport:
    """Rejected rows (as ``TypePlan.rejected`` gives them) → counts and the first few of
    each kind in arrival order."""
    bad = pl.concat([pl.DataFrame(schema=_REJECTED_SCHEMA), *rejected]).sort(ORDER)
    counts = dict(bad.group_by("kind").len().iter_rows())
    examples = []
    for kind in (CONFLICT, IDENTITY_CHANGE):
        for r in bad.filter(pl.col("kind") == kind).head(EXAMPLES).iter_rows(named=True):
            file = files[r["_file"]] if r["_file"] < len(files) else f"#{r['_file']}"
            examples.append(Rejection(kind, r["type"], r["source"], r["record_id"],
                                      r["version"], file, r["_row"]))
    return VersionReport(conflicts=counts.get(CONFLICT, 0),
                         identity_changes=counts.get(IDENTITY_CHANGE, 0),
                         examples=tuple(examples))
