"""score folds: scores.txid and fold_horizons, for PostgreSQL's statistics folded in later

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:25:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # The scores already stored keep a null txid: their statistics are already counted.
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("txid", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_scores_project_txid", "scores", ["entity", "project", "txid"])
    op.create_table(
        "fold_horizons",
        sa.Column("entity", sa.String(length=128), nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "project", name=op.f("pk_fold_horizons")),
    )


def downgrade():
    # The scores not yet folded in are counted nowhere after this: run `flask stats recount`.
    op.drop_table("fold_horizons")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_scores_project_txid", table_name="scores")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_column("txid")
