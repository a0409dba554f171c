"""What an external system can answer, as a closed set of exceptions.

Adapters raise only these; services map them onto the error taxonomy.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QboFault:
    """One entry of a QBO fault body, whichever casing it came in."""

    code: str
    message: str
    detail: str = ""
    element: str = ""
    type: str = ""


@dataclass(frozen=True)
class QboWrite:
    """What a refused QBO request was writing, as far as the request itself shows it.

    `refs` pairs each reference's element path (as QBO names it in faults, e.g.
    "Line.SalesItemLineDetail.ItemRef") with the id sent, in document order.
    """

    entity: str
    doc_number: str = ""
    txn_date: str = ""
    name: str = ""
    refs: tuple[tuple[str, str], ...] = ()


class ExternalError(Exception):
    """Base of every failure an adapter reports.

    `write` is the QBO document the failed request was writing, when the adapter knows it;
    `fault_codes` are the codes of a fault body whose text is not kept (auth faults may
    quote the token).
    """

    write: QboWrite | None = None
    fault_codes: tuple[str, ...] = ()

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ExternalUnavailable(ExternalError):
    """Transient: no answer, a transport error or a 5xx. Safe to retry later."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ExternalRateLimited(ExternalUnavailable):
    """The vendor throttled us (QBO 429 / fault 3001, Shopify 429 / THROTTLED)."""


class ExternalAuthExpired(ExternalError):
    """401, or a token refresh refused with invalid_grant: a person must reconnect."""


@dataclass
class ExternalRejected(ExternalError):
    """A permanent 4xx: the request itself is wrong. Carries the parsed faults."""

    message: str
    status: int | None = None
    faults: list[QboFault] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message, status=self.status)
