from xinjumin.accounts.tests.personas import world  # noqa: F401  (pytest fixture)
