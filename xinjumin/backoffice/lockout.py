"""What django-axes answers when a login is locked out.

Our staff login view (and the API's token endpoint) already answer a lockout with a clear,
bilingual message, so that answer is kept; anything else gets the locked-out page.
Wire with settings.AXES_LOCKOUT_CALLABLE = "xinjumin.backoffice.lockout.axes_lockout_response".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def axes_lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                          credentials: Any = None) -> HttpResponse:
    if original_response is not None and original_response.status_code in (401, 403, 429):
        return original_response
    return render(request, "backoffice/locked_out.html", {}, status=403)
