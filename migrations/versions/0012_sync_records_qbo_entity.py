"""sync records name the kind of QuickBooks document they hold (SalesReceipt or Invoice)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qbo_entity", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        batch_op.drop_column("qbo_entity")
