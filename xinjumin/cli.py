"""`xjm`: one command for the platform.

- `xjm points ...` and `xjm population ...` run the framework-free rules engine directly
  (no Django, no database);
- everything else is a Django management command (`xjm migrate`, `xjm audit verify`,
  `xjm feeds import`, `xjm runserver` ...).
"""

from __future__ import annotations

import os
import signal
import sys

ENGINE_COMMANDS = ("points", "population")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # `xjm points score ... | head` ends quietly, as a Unix tool should.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if args and args[0] in ENGINE_COMMANDS:
        from points import cli_main as engine_main

        return int(engine_main(args) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinjumin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xjm", *args] if args else ["xjm", "help"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
