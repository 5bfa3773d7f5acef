"""idempotency keys remember what they created: a score, an evaluation run or a prediction

Keys stored before this revision all created scores.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.alter_column('score_id', new_column_name='created_id',
               existing_type=sa.String(length=36), existing_nullable=False)
    op.execute("UPDATE idempotency_keys SET kind = 'score'")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=16), nullable=False)


def downgrade():
    # Keys of other kinds cannot be told apart from scores' once the kind is gone.
    op.execute("DELETE FROM idempotency_keys WHERE kind <> 'score'")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('created_id', new_column_name='score_id',
               existing_type=sa.String(length=36), existing_nullable=False)
        batch_op.drop_column('kind')
