"""api key labels

An optional name the owner gives a key ("CI", "laptop"), so a list of keys
says which is which. Existing keys get none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:10:53

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('label')
