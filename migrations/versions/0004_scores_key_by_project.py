"""scores keyed by (entity, project, id)

The key on id alone let PostgreSQL answer "newest scores of this project"
by walking every project's ids backwards, stepping over all newer scores of
other projects. Keyed by project first, the key replaces the
(entity, project, id) index, and no index on scores leads with id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 06:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_project_id')
        batch_op.drop_constraint('pk_scores', type_='primary')
        batch_op.create_primary_key('pk_scores', ['entity', 'project', 'id'])


def downgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_constraint('pk_scores', type_='primary')
        batch_op.create_primary_key('pk_scores', ['id'])
        batch_op.create_index('ix_scores_project_id', ['entity', 'project', 'id'], unique=False)
