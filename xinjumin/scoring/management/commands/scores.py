"""`xjm scores show ID_NUMBER [--as-of D] [--district CODE] [--format json|text]` and
`xjm scores rescore --all|--id ID [--as-of D]`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.core.cli_args import iso_date
from xinjumin.core.errors import DomainError


class Command(BaseCommand):
    help = "Show a resident's score, or re-score residents."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="one resident's score with its items")
        show.add_argument("id_number")
        show.add_argument("--as-of", type=iso_date)
        show.add_argument("--district")
        show.add_argument("--format", default="text", choices=["json", "text"])
        re = sub.add_parser("rescore", help="re-score everyone (nightly) or one resident")
        who = re.add_mutually_exclusive_group(required=True)
        who.add_argument("--all", action="store_true")
        who.add_argument("--id", dest="id_number")
        re.add_argument("--as-of", type=iso_date)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "show":
                self._show(opts)
            else:
                self._rescore(opts)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} / {exc.message_en}"
                               + (f" ({detail})" if detail else "")) from None

    def _show(self, opts: dict[str, Any]) -> None:
        data = _summary(opts["id_number"], opts["as_of"], opts["district"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['id_number']}  评分日 as of {data['as_of']}  "
                          f"区县 district {data['district']}  规则 {data['rule_set_profile']} "
                          f"{data['rule_set_hash'][:12]}")
        if data["is_minor"]:
            self.stdout.write("未满 18 周岁, 无本人积分 / under 18: no own score")
            return
        self.stdout.write(f"积分 score {data['score']}   通用积分 common {data['common']}"
                          + (f"   冻结至 frozen until {data['frozen_until']}"
                             if data["frozen"] else ""))
        for key, points in data["items"].items():
            ids = ", ".join(data["record_ids"].get(key, []))
            self.stdout.write(f"  {key:<18}{points:>8}  {ids}")

    def _rescore(self, opts: dict[str, Any]) -> None:
        if opts["all"]:
            from xinjumin.scoring.bulk import describe, scores_rescore_all

            run = scores_rescore_all(as_of=opts["as_of"])
            self.stdout.write(json.dumps(describe(run), ensure_ascii=False))
            return
        from xinjumin.scoring.services import parse_id, scores_rescore_subjects
        from xinjumin.scoring.sources import subject_hash

        stored = scores_rescore_subjects(
            subject_hashes=[subject_hash(parse_id(opts["id_number"]))], as_of=opts["as_of"])
        data = _summary(opts["id_number"], opts["as_of"], None)
        self.stdout.write(f"stored {stored}: score {data['score']} common {data['common']}")


def _summary(id_number: str, as_of: Any, district: str | None) -> dict[str, Any]:
    """The score as `xjm scores show` prints it: the service explains (and stores) it,
    the selector reads it."""
    from xinjumin.scoring.selectors import score_summary
    from xinjumin.scoring.services import district_code, score_explain

    district = district_code(district)
    return score_summary(explained=score_explain(id_number=id_number, as_of=as_of),
                         district=district)
