"""review queues: queues of predictions, their items, holds and answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:14:31.595654

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # New tables only: nothing existing is rewritten. Each index serves a walk the
    # queue pages make (app/storage/review_queues.py and review_turns.py say which).
    op.create_table(
        "review_queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=128), nullable=False),
        sa.Column("project", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scorers_json", sa.Text(), nullable=False),
        sa.Column("reviewers_per_item", sa.Integer(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_queues")),
    )
    with op.batch_alter_table("review_queues", schema=None) as batch_op:
        batch_op.create_index("ix_review_queues_project", ["entity", "project", "id"], unique=False)

    op.create_table(
        "review_queue_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("prediction_id", sa.String(length=256), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviews_done", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["review_queues.id"],
            name=op.f("fk_review_queue_items_queue_id_review_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_queue_items")),
        sa.UniqueConstraint(
            "queue_id", "prediction_id", name=op.f("uq_review_queue_items_queue_id")
        ),
    )
    with op.batch_alter_table("review_queue_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_queue_items_open", ["queue_id", "done", "id"], unique=False
        )

    op.create_table(
        "review_answers",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("score_ids_json", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["review_queue_items.id"],
            name=op.f("fk_review_answers_item_id_review_queue_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "reviewer", "round", name=op.f("pk_review_answers")),
    )
    with op.batch_alter_table("review_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_answers_reviewer", ["queue_id", "reviewer", "item_id"], unique=False
        )

    op.create_table(
        "review_holds",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["review_queue_items.id"],
            name=op.f("fk_review_holds_item_id_review_queue_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "reviewer", name=op.f("pk_review_holds")),
    )


def downgrade():
    op.drop_table("review_holds")
    with op.batch_alter_table("review_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_review_answers_reviewer")

    op.drop_table("review_answers")
    with op.batch_alter_table("review_queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_queue_items_open")

    op.drop_table("review_queue_items")
    with op.batch_alter_table("review_queues", schema=None) as batch_op:
        batch_op.drop_index("ix_review_queues_project")

    op.drop_table("review_queues")
