"""Settings for the test suite: the one settings module, in XJM_ENV=test mode.

Tests run with Huey in immediate mode and a fast password hasher; everything else is as
in development (and, with DATABASE_URL, on PostgreSQL).
"""

import os

os.environ.setdefault("XJM_ENV", "test")

from xinjumin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
