"""office letterhead: address, phone, e-mail, logo, place, report number and the head who signs the monthly report

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (
    ('address', 300), ('phone', 60), ('email', 120), ('logo_path', 500), ('place', 100), ('report_number', 100),
    ('head_name', 200), ('head_nip', 18), ('head_title', 200), ('head_rank', 100),
)


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop `offices` under its foreign keys.
    for name, _ in reversed(COLUMNS):
        op.drop_column('offices', name)
