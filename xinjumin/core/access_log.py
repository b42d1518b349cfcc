"""The web server's access log through the masking of the application's logs.

`xjm serve` starts gunicorn with `--logger-class xinjumin.core.access_log.MaskingLogger`:
every value an access-log line may show (request line, path, query string, headers such
as Referer, environment) is masked by core.logging before it is formatted, percent-encoded
numbers too, so a search or a link with an ID or phone number in its URL never reaches
the log in clear. Its error log takes the application's masking filter as well.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from xinjumin.core.logging import MaskPersonalDataFilter, mask_url_text


class MaskingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskPersonalDataFilter) for f in log.filters):
                log.addFilter(MaskPersonalDataFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_url_text(value) if isinstance(value, str) else value
                for key, value in atoms.items()}
