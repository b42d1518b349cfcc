"""Record builders: the rare bonus and deduction events, and district items."""

from __future__ import annotations

import polars as pl

from points.synth.frames import Builder, explode, pick
from points.synth.rng import Rng

EVENTS = {  # record type → (share of adults, max records each, date field, max days ago, codes)
    "patent": (0.004, 3, "granted_on", 3650, {"kind": {"invention": 2, "utility": 5,
                                                        "design": 3}}),
    "award": (0.006, 2, "awarded_on", 3000, {"level": {"national": 1, "provincial": 3,
                                                        "city": 8, "district": 15}}),
    "volunteer_service": (0.10, 10, "served_on", 2000, {}),
    "blood_donation": (0.03, 5, "donated_on", 4000, {"kind": {"whole_blood": 85,
                                                               "platelet": 15}}),
    "donor": (0.005, 1, "on", 3000, {"kind": {"stem_cell_registered": 5,
                                              "organ_registered": 3, "stem_cell_donated": 1}}),
    "admin_penalty": (0.02, 2, "decided_on", 2500, {"kind": {"fine": 9, "detention": 1}}),
    "false_material": (0.001, 1, "found_on", 2000, {}),
    "dishonesty_listing": (0.002, 1, "listed_on", 3000, {}),
    "criminal_conviction": (0.001, 1, "convicted_on", 3650, {}),
}


def event_builder(name: str) -> Builder:
    share, most, field, days, codes = EVENTS[name]

    def build(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
        df = explode(pick(P, rng, name, share, ~pl.col("kid")),
                     rng.int(name + "-n", 1, most, "idx"))
        df = df.with_columns((d - rng.int(name + "-d", 1, days)).alias(field),
                             *[rng.choice(f"{name}-{c}", v).alias(c) for c, v in codes.items()])
        on = pl.col(field)
        if name == "volunteer_service":
            df = df.with_columns(hours=rng.int("vs-h", 2, 16) * 50)
        elif name == "dishonesty_listing":
            df = df.with_columns(lifted_on=pl.when(rng.u("dl-l?") < 0.3).then(
                on + ((d - on) * rng.u("dl-l")).cast(pl.Int64)))
        elif name == "criminal_conviction":
            df = df.with_columns(sentence_start=on + rng.int("cc-s", 0, 60)).with_columns(
                sentence_end=pl.col("sentence_start") + rng.int("cc-e", 90, 2500))
        return df
    return build


def district_items(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    adults = ~pl.col("kid")
    common = pick(P, rng, "di", 0.04, adults).with_columns(
        item=rng.choice("di-i", {"courage": 10, "public_post": 20, "party_member": 20,
                                 "festival_stay": 35, "charity": 15}),
        on=d - rng.int("di-d", 1, 2500))
    common = common.with_columns(end=pl.when(
        ((pl.col("item") == "public_post") & (rng.u("di-e?") < 0.5))
        | ((pl.col("item") == "party_member") & (rng.u("di-e?") < 0.1)))
        .then(pl.col("on") + ((d - pl.col("on")) * rng.u("di-e")).cast(pl.Int64)))
    patrol = explode(pick(P, rng, "patrol", 0.15, adults & (pl.col("district") == "330226")),
                     rng.int("pt-n", 2, 10, "idx")).with_columns(
        _key=pl.col("_key") + 16, item=pl.lit("patrol"), on=d - rng.int("pt-d", 0, 540),
        hours=rng.int("pt-h", 2, 16) * 50)
    veteran = pick(P, rng, "vet", 0.02, adults & (pl.col("district") == "330213")).with_columns(
        _key=pl.col("_key") + 40, item=pl.lit("veteran"), on=d - rng.int("vt-d", 1, 3000))
    return pl.concat([common, patrol, veteran], how="diagonal_relaxed")

