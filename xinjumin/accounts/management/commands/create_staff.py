"""`xjm create_staff USERNAME --role ROLE [--district CODE] ...`

Creates a staff account and its TOTP device, then prints the otpauth:// URI and a QR
code to scan with an authenticator app. The password comes from --password-env (the name
of an environment variable) or is asked for twice on the terminal; it is never an
argument, so it stays out of shell history. `--reset-totp` re-enrols the TOTP device of
an existing staff account (a lost phone).
"""

from __future__ import annotations

import getpass
import io
import os
from typing import Any

import segno
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.accounts.models import User
from xinjumin.accounts.roles import STAFF_ROLES
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a staff account with a TOTP device and print its QR code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(STAFF_ROLES))
        parser.add_argument("--district", default=None, help="6-digit district code")
        parser.add_argument("--street", default=None, help="9-digit street code")
        parser.add_argument("--department", default="", help="data-owning department code")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--password-env", default=None,
                            help="name of an environment variable holding the password")
        parser.add_argument("--reset-totp", action="store_true",
                            help="only re-enrol the TOTP device of an existing account")
        parser.add_argument("--no-qr", action="store_true", help="print the URI only")

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_env"]:
            value = os.environ.get(options["password_env"], "")
            if not value:
                raise CommandError(f"environment variable {options['password_env']} is empty")
            return value
        first = getpass.getpass("密码 Password: ")
        if first != getpass.getpass("再次输入 Password (again): "):
            raise CommandError("两次输入的密码不一致 / the passwords differ")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["reset_totp"]:
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"没有用户 / no user {options['username']!r}")
            else:
                if not options["role"]:
                    raise CommandError("--role is required")
                user = staff_create(
                    username=options["username"], password=self._password(options),
                    role=options["role"], district=options["district"],
                    street=options["street"], department=options["department"],
                    display_name=options["display_name"], actor="cli",
                )
            _device, uri = staff_totp_device_create(user=user, actor="cli")
        except DomainError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} / {exc.message_en}. {details}") from None
        self.stdout.write(f"账户 Account: {user.username} ({user.get_role_display()})")
        self.stdout.write("请用验证器应用扫描二维码, 或输入以下地址 / "
                          "scan with an authenticator app, or enter this URI:")
        self.stdout.write(uri)
        if not options["no_qr"]:
            qr = io.StringIO()
            segno.make(uri, error="m").terminal(out=qr, compact=True)
            self.stdout.write(qr.getvalue(), ending="")
