"""Periodic verification of the audit chain (thin task: calls the service), hourly: each
intact verification also checkpoints the chain's head outside the database."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xinjumin.audit.services import audit_verify_chain

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17", hour="*"))
def verify_audit_chain() -> bool:
    report = audit_verify_chain()
    if report.ok:
        log.info("audit chain verified: %s events", report.events_checked)
    else:
        log.error("audit chain BROKEN at seq %s: %s", report.first_broken_seq, report.reason)
    return report.ok
