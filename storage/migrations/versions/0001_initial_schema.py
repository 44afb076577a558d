"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 07:12:06.836872
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "balances",
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("used_tenths", sa.Integer(), server_default="0", nullable=False),
        sa.Column("held_tenths", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "user_id", "period_start"),
    )
    op.create_table(
        "characters",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("owner_id", sa.String(length=80), nullable=False),
        sa.Column("owner_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("source_ref", sa.Text(), server_default="", nullable=False),
        sa.Column("video_path", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope_id", "name_key", name="uq_characters_scope_name"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("user_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("characters", sa.Text(), server_default="[]", nullable=False),
        sa.Column("storyboard", sa.Text(), server_default="[]", nullable=False),
        sa.Column("snapshot", sa.String(length=80), nullable=False),
        sa.Column("snapshot_why", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=80), nullable=True),
        sa.Column("remote_id", sa.String(length=200), nullable=True),
        sa.Column("request_json", sa.Text(), nullable=True),
        sa.Column("cost_tenths", sa.Integer(), nullable=False),
        sa.Column("usd_estimate", sa.Float(), nullable=True),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("progress", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("reason_detail", sa.Text(), nullable=True),
        sa.Column("destination", sa.Text(), server_default="{}", nullable=False),
        sa.Column("status_ref", sa.Text(), nullable=True),
        sa.Column("result_ref", sa.Text(), nullable=True),
        sa.Column("video_path", sa.Text(), nullable=True),
        sa.Column("parent_job_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_scope_user", ["scope_id", "user_id", "created_at"], unique=False)
        batch_op.create_index("ix_jobs_state", ["state"], unique=False)

    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("amount_tenths", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "kind", name="uq_ledger_job_kind"),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_scope_period", ["scope_id", "period_start"], unique=False)

    op.create_table(
        "member_allowances",
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("allowance_tenths", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=80), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "user_id"),
    )
    op.create_table(
        "role_allowances",
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("role_id", sa.String(length=80), nullable=False),
        sa.Column("allowance_tenths", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "role_id"),
    )
    op.create_table(
        "scopes",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("pin", sa.String(length=80), nullable=True),
        sa.Column("pin_stack", sa.Text(), server_default="[]", nullable=False),
        sa.Column("canary", sa.String(length=80), nullable=True),
        sa.Column("canary_percent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quota_default_tenths", sa.Integer(), nullable=True),
        sa.Column("quota_period", sa.String(length=8), nullable=True),
        sa.Column("routing_priority", sa.String(length=16), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "snapshot_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.String(length=80), nullable=False),
        sa.Column("actor_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_snapshot", sa.String(length=80), nullable=True),
        sa.Column("to_snapshot", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.String(length=200), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("snapshot_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snapshot_audit_scope_id"), ["scope_id"], unique=False)

    op.create_table(
        "character_provider_ids",
        sa.Column("character_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=80), nullable=False),
        sa.Column("provider_character_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["character_id"], ["characters.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("character_id", "provider"),
    )


def downgrade() -> None:

    op.drop_table("character_provider_ids")
    with op.batch_alter_table("snapshot_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_audit_scope_id"))

    op.drop_table("snapshot_audit")
    op.drop_table("scopes")
    op.drop_table("role_allowances")
    op.drop_table("member_allowances")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_scope_period")

    op.drop_table("ledger")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_state")
        batch_op.drop_index("ix_jobs_scope_user")

    op.drop_table("jobs")
    op.drop_table("characters")
    op.drop_table("balances")
