"""hand score comments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:46:35.681715

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column without a default: ALTER TABLE ... ADD COLUMN on both
    # databases (batch mode on SQLite copies the table only when it must), so
    # a big scores table is not rewritten.
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_column('comment')
