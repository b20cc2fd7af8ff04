"""report: status overrides, the report log, the record kept at purge

Revision ID: i19
Revises: 0004
Create Date: 2026-11-30 10:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import eventapp.db  # noqa: F401  (UTCDateTime)


revision: str = 'i19'
down_revision: str | None = "i15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_kept',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', eventapp.db.UTCDateTime(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('report_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', eventapp.db.UTCDateTime(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_log_created_at'), ['created_at'], unique=False)

    op.create_table('report_override',
    sa.Column('paper_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', eventapp.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('paper_id')
    )


def downgrade() -> None:
    op.drop_table('report_override')
    with op.batch_alter_table('report_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_log_created_at'))

    op.drop_table('report_log')
    op.drop_table('report_kept')
