"""What a use case can signal besides success: run the job again later, or refuse a request.

None of these carries an HTTP status: app/api/errors.py maps each to its status and problem
type in one table, and the job runners turn RetryLater into their own retry.
"""

from __future__ import annotations


class RetryLater(Exception):
    """Run the same job again after `defer_s` seconds (a lease is held, QBO is down…)."""

    def __init__(self, defer_s: float, reason: str) -> None:
        super().__init__(reason)
        self.defer_s = defer_s
        self.reason = reason


def crash_backoff(attempt: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before re-running a job that crashed: base, 2·base, 4·base … at most `cap`."""
    return float(min(base * 2 ** (attempt - 1), cap))


class Refused(Exception):
    """A request a use case will not carry out. `field` names the input at fault; `title`
    overrides the problem's usual title."""

    def __init__(self, detail: str, field: str | None = None, *, title: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.field, self.title = detail, field, title

    @property
    def param(self) -> str | None:
        """The name of the input at fault, as the problem's invalid_params gives it."""
        return self.field


class WebhookRefused(Refused):
    """A delivery that is malformed: nothing was stored."""


class WebhookUnsigned(WebhookRefused):
    """A delivery whose signature does not match, or from a shop that is not installed."""


class WebhookTooLarge(WebhookRefused):
    """A delivery over the size limit."""


class InboxUnavailable(Refused):
    """The inbox cannot take deliveries now (the database is down, or too many wait to be
    stored): nothing was stored, and the sender should try again shortly."""


class ConnectionRefused(Refused):
    """The QuickBooks consent callback cannot complete."""


class CurrencyMismatch(ConnectionRefused):
    """The QuickBooks company keeps its books in another currency than the shop sells in."""


class InstallRefused(Refused):
    """The Shopify install request or its callback cannot go on."""


class InstallUnsigned(InstallRefused):
    """The install request or callback is not signed by Shopify."""


class AlreadyExists(Exception):
    """A repository refused a row whose unique key another transaction took first."""


class InvalidReference(Refused):
    """A QuickBooks record a mapping or a setting names is unknown, inactive or of the wrong
    type in the shop's company."""


class InvalidInput(Refused):
    """A value that can never mean anything here (a malformed key, the same key twice)."""


class NotFound(Refused):
    """What the request names does not exist (for this shop)."""


class Conflict(Refused):
    """The request does not fit the current state of what it names."""
