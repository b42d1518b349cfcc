"""`xjm indicators upload FILE [--as USERNAME]`, `xjm indicators compare VERSION [--as-of D]`,
`xjm indicators publish VERSION --effective-from D [--as USERNAME]`, `xjm indicators list`.

VERSION is a version id or a content-hash prefix (≥ 8 characters). Without --as, the
command acts as the (first active) city admin for the city layer, or the district admin of
the layer's district."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.core.cli_args import iso_date
from xinjumin.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage indicator-system versions (upload, compare, publish, list)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        up = sub.add_parser("upload")
        up.add_argument("file")
        up.add_argument("--as", dest="username")
        cmp_ = sub.add_parser("compare")
        cmp_.add_argument("version")
        cmp_.add_argument("--as-of", type=iso_date)
        cmp_.add_argument("--format", default="text", choices=["json", "text"])
        pub = sub.add_parser("publish")
        pub.add_argument("version")
        pub.add_argument("--effective-from", type=iso_date, required=True)
        pub.add_argument("--as", dest="username")
        sub.add_parser("list")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except DomainError as exc:
            lines = [f"{exc.message} / {exc.message_en}"]
            lines += [f"  {k}: {v}" for k, v in exc.fields.items()]
            raise CommandError("\n".join(lines)) from None

    def _actor(self, username: str | None, layer: str) -> Any:
        from xinjumin.accounts.models import User
        from xinjumin.accounts.roles import Role

        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"没有用户 {username} / no such user")
            return user
        qs = User.objects.filter(is_active=True)
        qs = (qs.filter(role=Role.CITY_ADMIN) if layer == "city"
              else qs.filter(role=Role.DISTRICT_ADMIN, district_id=layer))
        user = qs.order_by("pk").first()
        if user is None:
            raise CommandError(f"没有可代表 {layer} 的管理员, 请用 --as 指定 / no admin for "
                               f"layer {layer}; pass --as USERNAME")
        return user

    def _upload(self, opts: dict[str, Any]) -> None:
        from xinjumin.scoring.indicators import indicator_upload, validate_document

        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path} / no such file")
        text = path.read_text(encoding="utf-8")
        layer = validate_document(text)[0] or "city"
        version = indicator_upload(actor=self._actor(opts["username"], layer), yaml_text=text)
        self.stdout.write(f"uploaded #{version.pk} {version.profile} [{version.layer}] "
                          f"{version.content_hash} draft")

    def _compare(self, opts: dict[str, Any]) -> None:
        from xinjumin.scoring.indicators import indicator_compare
        from xinjumin.scoring.selectors import indicator_get

        summary = indicator_compare(version=indicator_get(ref=opts["version"]),
                                    as_of=opts["as_of"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{summary['rule_a']} → {summary['rule_b']} as of {summary['as_of']}"
                          f": {summary['count']} residents, {summary['changed']} changed "
                          f"({summary['gainers']} up, {summary['losers']} down), mean "
                          f"{summary['mean_diff']}")
        for row in summary["by_district"]:
            self.stdout.write(f"  {row['district']}: {row['count']} residents, "
                              f"+{row['gainers']} / -{row['losers']}, mean {row['mean_diff']}")

    def _publish(self, opts: dict[str, Any]) -> None:
        from xinjumin.scoring.indicators import indicator_publish
        from xinjumin.scoring.selectors import indicator_get

        version = indicator_get(ref=opts["version"])
        version = indicator_publish(actor=self._actor(opts["username"], version.layer),
                                    version=version, effective_from=opts["effective_from"])
        self.stdout.write(f"published #{version.pk} {version.profile} [{version.layer}] "
                          f"effective from {version.effective_from}")

    def _list(self, opts: dict[str, Any]) -> None:
        from xinjumin.scoring.selectors import indicators_list

        for v in indicators_list():
            self.stdout.write(f"#{v.pk:<4} {v.layer:<7} {v.profile:<28} {v.status:<10} "
                              f"{v.effective_from or '-'!s:<11} {v.content_hash[:16]}")
