"""`xjm demo_logins`: how to log in as each demo persona (the TOTP code of right now);
`xjm demo_logins --sms 13800000001`: the latest SMS of the local outbox to that number."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Print the demo logins (refused when XJM_ENV=production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sms", metavar="PHONE",
                            help="print the latest demo SMS (login code) sent to PHONE")

    def handle(self, *args: Any, **options: Any) -> None:
        from xinjumin.demo.load import demo_allowed
        from xinjumin.demo.logins import demo_login_rows, demo_sms_latest

        try:
            demo_allowed()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["sms"]:
            body = demo_sms_latest(phone=options["sms"])
            if body is None:
                raise CommandError(f"no SMS to {options['sms']} in the local outbox yet; "
                                   "request a code first (POST /api/v1/auth/sms-code)")
            self.stdout.write(body)
            return
        rows = demo_login_rows()
        if not rows["staff"] and not rows["resident"]:
            raise CommandError("no demo personas: run `xjm load_demo` first")
        self.stdout.write("演示账户 / Demo logins (staff: /staff/login/; API: POST "
                          "/api/v1/auth/staff-token)")
        self.stdout.write(f"{'username':<16} {'role':<15} {'district':<8} {'password':<18} "
                          f"{'TOTP now':<8}  otpauth URI")
        for row in rows["staff"]:
            self.stdout.write(f"{row['username']:<16} {row['role']:<15} {row['district']:<8} "
                              f"{row['password']:<18} {row['totp']:<8}  {row['otpauth']}")
        resident = rows["resident"]
        if resident:
            self.stdout.write("")
            self.stdout.write(
                f"居民 / Resident {resident['name']} ({resident['district']}): phone "
                f"{resident['phone']}; request a code on the portal or POST "
                "/api/v1/auth/sms-code, then read it at /dev/sms-outbox/ or with "
                f"`xjm demo_logins --sms {resident['phone']}`")
