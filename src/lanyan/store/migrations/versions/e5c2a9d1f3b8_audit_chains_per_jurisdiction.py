"""audit: one hash chain per jurisdiction instead of one per deployment (issue #16)

Every existing entry stays where it is, in the chain ``legacy``: its hash is unchanged and
``audit verify`` walks it exactly as before (sequence 1, 2, 3 … and the old hash content). Its
head is the old one-row head (``id`` 1), now named ``legacy``. New entries go to the chain of
their jurisdiction (``store.audit.chain_of``), each with a head row of its own; their ``seq``
continues after the legacy chain's, from a sequence on PostgreSQL.

Why not re-hash the old entries into per-jurisdiction chains: that would rewrite the very
hashes an auditor may have noted or exported, and a rewrite cannot be told from tampering.

Revision ID: e5c2a9d1f3b8
Revises: 2c9e7b5d4a18
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5c2a9d1f3b8"
down_revision: str | Sequence[str] | None = "2c9e7b5d4a18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain", sa.String(length=255), server_default="legacy", nullable=False)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_audit_head_chain"), ["chain"])
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain", sa.String(length=255), server_default="legacy", nullable=False)
        )
        batch_op.add_column(sa.Column("prev_seq", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_log_chain_seq", ["chain", "seq"], unique=False)
    # The legacy chain's links, for the record (its verification checks 1, 2, 3 … itself).
    op.execute("UPDATE audit_log SET prev_seq = seq - 1")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_log_seq_counter OWNED BY audit_log.seq")
        op.execute(
            "SELECT setval('audit_log_seq_counter', COALESCE(MAX(seq), 0) + 1, false) "
            "FROM audit_log"
        )
        # The first migration inserted head 1 by hand: new heads' ids continue after it.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_head', 'id'), COALESCE(MAX(id), 0) + 1, "
            "false) FROM audit_head"
        )


def downgrade() -> None:
    # Lossy: the old schema has one chain with head 1. The per-jurisdiction chains' heads go;
    # their entries stay but the old `audit verify` cannot walk them (it reports the first).
    op.execute("DELETE FROM audit_head WHERE chain <> 'legacy'")
    op.execute("UPDATE audit_head SET id = 1")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS audit_log_seq_counter")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_chain_seq")
        batch_op.drop_column("prev_seq")
        batch_op.drop_column("chain")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_head_chain"), type_="unique")
        batch_op.drop_column("chain")
