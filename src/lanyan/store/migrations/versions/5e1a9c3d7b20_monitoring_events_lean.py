"""monitoring events: a lean row per frame

Every received frame stays stored (the audit trail a confirm promises), but a row now costs
what its readers need:

- ``decoded`` may be NULL: a GB/T 26875.3 frame's decoded view is a pure function of the
  frame's bytes (``frame``, kept in full), so the gateway no longer stores a second, three
  times larger copy of it; readers decode on demand (``monitoring.ingest.decoded_view``).
  MQTT messages keep their normalised payload there.
- four secondary indexes nothing reads are dropped (``source``: the unique key's prefix
  ``(protocol, source)`` serves it; ``device_id``, ``jurisdiction_id``, ``quarantined``: no
  query filters events by them; alarms carry their own). Each random-key index cost a dirty
  page per stored frame at commit.

Revision ID: 5e1a9c3d7b20
Revises: d4b2e8a61c07
Create Date: 2026-11-24 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1a9c3d7b20"
down_revision: str | Sequence[str] | None = "d4b2e8a61c07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = ("source", "device_id", "jurisdiction_id", "quarantined")


def upgrade() -> None:
    for column in DROPPED:
        op.drop_index(f"ix_monitoring_events_{column}", table_name="monitoring_events")
    with op.batch_alter_table("monitoring_events") as batch:
        batch.alter_column("decoded", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    # The older schema wants a decoded view in every row: frames stored without one get an
    # empty object (their frame column still holds everything).
    op.execute("UPDATE monitoring_events SET decoded = '{}' WHERE decoded IS NULL")
    with op.batch_alter_table("monitoring_events") as batch:
        batch.alter_column("decoded", existing_type=sa.JSON(), nullable=False)
    for column in DROPPED:
        op.create_index(
            f"ix_monitoring_events_{column}", "monitoring_events", [column], unique=False
        )
