"""Plans and what each shows of a shop's history (app/domain/entities.py keeps the table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.entities import RETENTION_DAYS

PLANS = tuple(RETENTION_DAYS)
# A plan this version does not know (a row written by a newer one) shows what free shows.
FALLBACK_PLAN = "free"


@dataclass(frozen=True)
class Retention:
    """How much history a shop's plan shows at `now`: entries created before `hidden_before`
    are left out of its answers, never deleted, so a plan that keeps more shows them again."""

    plan: str
    days: int | None  # None: all of it
    hidden_before: datetime | None

    @classmethod
    def of(cls, plan: str, now: datetime) -> Retention:
        days = RETENTION_DAYS.get(plan, RETENTION_DAYS[FALLBACK_PLAN])
        return cls(plan, days, now - timedelta(days=days) if days is not None else None)
