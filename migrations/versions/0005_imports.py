"""imports: the import log, withdrawn papers, the contact author flag

Revision ID: i15
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import eventapp.db  # noqa: F401  (UTCDateTime)


revision: str = "i15"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("authorship") as batch:
        batch.add_column(sa.Column("contact", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("file_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("replace", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", eventapp.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "withdrawn_paper",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("slot_ids", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", eventapp.db.UTCDateTime(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["import_log.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_paper")
    op.drop_table("import_log")
    with op.batch_alter_table("authorship") as batch:
        batch.drop_column("contact")
