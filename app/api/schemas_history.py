"""What the plan's retention hid from an answer, said in the answer (audit log, record)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.services.history import Shown


class RetentionOut(BaseModel):
    plan: str = Field(examples=["free"])
    retention_days: int | None = Field(
        description="Days of history the plan shows; null: all of it", examples=[7]
    )
    hidden_before: datetime | None = Field(
        description="Entries created before this are hidden from the answer (kept, not "
        "deleted: a plan that keeps more shows them again); null: nothing is hidden"
    )
    older_hidden: bool = Field(
        description="Entries this request matches exist before hidden_before and were left out"
    )
    note: str = Field(description="The same, in words")

    @classmethod
    def of(cls, shown: Shown) -> RetentionOut:
        r = shown.retention
        if r.days is None:
            note = f"The {r.plan} plan shows all history."
        else:
            note = f"The {r.plan} plan shows the last {r.days} days of history; " + (
                "older entries that match are hidden, not deleted, and show again on a plan "
                "that keeps them."
                if shown.older_hidden
                else "nothing older matches."
            )
        return cls(
            plan=r.plan,
            retention_days=r.days,
            hidden_before=r.hidden_before,
            older_hidden=shown.older_hidden,
            note=note,
        )
