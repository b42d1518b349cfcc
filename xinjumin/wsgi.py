"""The WSGI application: Django's handler with two middleware chains.

API calls without the browser session (bearer tokens, API keys) take the shorter
settings.API_MIDDLEWARE, everything else settings.MIDDLEWARE (core.middleware.ApiChainMixin).
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler

from xinjumin.core.middleware import ApiChainMixin


class XjmWSGIHandler(ApiChainMixin, WSGIHandler):
    pass


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinjumin.settings")
django.setup(set_prefix=False)
application = XjmWSGIHandler()
