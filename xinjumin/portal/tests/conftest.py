from xinjumin.portal.tests.personas import world  # noqa: F401
