"""record keys for products: a product's key and name as a record's Shopify id and label

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sync_records", "audit_entries")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "shopify_id",
                existing_type=sa.String(length=32),
                type_=sa.String(length=255),
                existing_nullable=False,
            )
            batch_op.alter_column(
                "label",
                existing_type=sa.String(length=64),
                type_=sa.String(length=255),
                existing_nullable=False,
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "label",
                existing_type=sa.String(length=255),
                type_=sa.String(length=64),
                existing_nullable=False,
            )
            batch_op.alter_column(
                "shopify_id",
                existing_type=sa.String(length=255),
                type_=sa.String(length=32),
                existing_nullable=False,
            )
