"""prevention hazards: found on the unit's own patrol (自查发现), the recheck due day (复查时限),
and the purpose of an attachment (a unit's rectification photo, 整改照片)

Revision ID: 5e7c1a9d3b20
Revises: c7d2e4f6a8b1
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e7c1a9d3b20"
down_revision: str | Sequence[str] | None = "c7d2e4f6a8b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prevention_hazards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("self_found", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("recheck_due", sa.Date(), nullable=True))
    with op.batch_alter_table("prevention_attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(20), nullable=False, server_default="evidence")
        )


def downgrade() -> None:
    with op.batch_alter_table("prevention_attachments", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("prevention_hazards", schema=None) as batch_op:
        batch_op.drop_column("recheck_due")
        batch_op.drop_column("self_found")
