"""manual override and idempotency keys: a manual sync's override stays on the record until
it posts; POSTs carrying an Idempotency-Key keep their answer for a day

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        for name in ("force_triggers", "include_cancelled"):
            column = sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            batch_op.add_column(column)
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        "ix_idempotency_keys_caller_key", "idempotency_keys", ["caller", "key"], unique=True
    )
    op.create_index(
        op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_index("ix_idempotency_keys_caller_key", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        batch_op.drop_column("include_cancelled")
        batch_op.drop_column("force_triggers")
