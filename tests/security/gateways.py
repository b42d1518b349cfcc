"""An SMS gateway for the tests that configure production (SMS_BACKEND must then name a
real gateway, not the local outbox): the plugin registry's stand-in for an operator's
gateway. It sends nothing and keeps nothing; nothing in the tests reads what it sent."""

from __future__ import annotations


class OperatorGateway:
    name = "operator-test"

    def send(self, *, phone: str, body: str) -> str:
        return "operator-test-1"
