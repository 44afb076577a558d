"""The database schema (SQLAlchemy Core). Changes go through an Alembic migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, stored naive-UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = MetaData()

scopes = Table(
    "scopes", metadata,
    Column("id", String(80), primary_key=True),  # "discord:guild:1", "telegram:chat:-100", "console:local"
    Column("platform", String(16), nullable=False),
    Column("kind", String(8), nullable=False),  # "server" or "dm"
    Column("title", String(200), nullable=False, server_default=""),
    Column("pin", String(80)),
    Column("pin_stack", Text, nullable=False, server_default="[]"),  # JSON list: earlier pins, for rollback
    Column("canary", String(80)),
    Column("canary_percent", Integer, nullable=False, server_default="0"),
    Column("quota_default_tenths", Integer),  # NULL → the configured default
    Column("quota_period", String(8)),  # NULL → the configured default
    Column("routing_priority", String(16)),
    Column("locale", String(16)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

snapshot_audit = Table(
    "snapshot_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_id", String(80), nullable=False, index=True),
    Column("actor_id", String(80), nullable=False),
    Column("actor_name", String(200), nullable=False, server_default=""),
    Column("action", String(16), nullable=False),  # pin, unpin, canary, rollback
    Column("from_snapshot", String(80)),
    Column("to_snapshot", String(80)),
    Column("detail", String(200), nullable=False, server_default=""),
    Column("at", UTCDateTime(), nullable=False),
)

member_allowances = Table(
    "member_allowances", metadata,
    Column("scope_id", String(80), primary_key=True),
    Column("user_id", String(80), primary_key=True),
    Column("allowance_tenths", Integer, nullable=False),
    Column("set_by", String(80), nullable=False, server_default=""),
    Column("at", UTCDateTime(), nullable=False),
)

role_allowances = Table(
    "role_allowances", metadata,
    Column("scope_id", String(80), primary_key=True),
    Column("role_id", String(80), primary_key=True),
    Column("allowance_tenths", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

balances = Table(
    "balances", metadata,
    Column("scope_id", String(80), primary_key=True),
    Column("user_id", String(80), primary_key=True),
    Column("period_start", UTCDateTime(), primary_key=True),
    Column("used_tenths", Integer, nullable=False, server_default="0"),
    Column("held_tenths", Integer, nullable=False, server_default="0"),
)

ledger = Table(
    "ledger", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("kind", String(8), nullable=False),  # hold, charge, release
    Column("scope_id", String(80), nullable=False),
    Column("user_id", String(80), nullable=False),
    Column("period_start", UTCDateTime(), nullable=False),
    Column("amount_tenths", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("job_id", "kind", name="uq_ledger_job_kind"),
    Index("ix_ledger_scope_period", "scope_id", "period_start"),
)

jobs = Table(
    "jobs", metadata,
    Column("id", String(40), primary_key=True),
    Column("scope_id", String(80), nullable=False),
    Column("user_id", String(80), nullable=False),
    Column("user_name", String(200), nullable=False, server_default=""),
    Column("platform", String(16), nullable=False),
    Column("locale", String(16), nullable=False, server_default="en"),
    Column("state", String(16), nullable=False),
    Column("prompt", Text, nullable=False),
    Column("seconds", Integer, nullable=False),
    Column("size", String(16), nullable=False),
    Column("characters", Text, nullable=False, server_default="[]"),  # JSON: [{name, id}] (library ids)
    Column("storyboard", Text, nullable=False, server_default="[]"),  # JSON: [[start, end, text], …]
    Column("snapshot", String(80), nullable=False),
    Column("snapshot_why", String(16), nullable=False),
    Column("provider", String(80)),
    Column("remote_id", String(200)),
    Column("request_json", Text),  # the full request sent to the provider
    Column("cost_tenths", Integer, nullable=False),
    Column("usd_estimate", Float),
    Column("period_start", UTCDateTime(), nullable=False),
    Column("progress", Integer, nullable=False, server_default="0"),
    Column("reason", String(40)),
    Column("reason_detail", Text),
    Column("destination", Text, nullable=False, server_default="{}"),  # adapter-opaque JSON
    Column("status_ref", Text),  # adapter-opaque JSON: where the status message is
    Column("result_ref", Text),  # adapter-opaque JSON: the delivered message (file ids …)
    Column("video_path", Text),
    Column("parent_job_id", String(40)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("deadline_at", UTCDateTime(), nullable=False),
    Index("ix_jobs_state", "state"),
    Index("ix_jobs_scope_user", "scope_id", "user_id", "created_at"),
)

characters = Table(
    "characters", metadata,
    Column("id", String(40), primary_key=True),
    Column("scope_id", String(80), nullable=False),
    Column("name_key", String(40), nullable=False),  # lower-case, for case-insensitive uniqueness
    Column("name", String(40), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("owner_id", String(80), nullable=False),
    Column("owner_name", String(200), nullable=False, server_default=""),
    Column("source", String(8), nullable=False),  # file, url, job
    Column("source_ref", Text, nullable=False, server_default=""),
    Column("video_path", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("scope_id", "name_key", name="uq_characters_scope_name"),
)

character_provider_ids = Table(
    "character_provider_ids", metadata,
    Column("character_id", String(40), ForeignKey("characters.id", ondelete="CASCADE"), primary_key=True),
    Column("provider", String(80), primary_key=True),
    Column("provider_character_id", String(200), nullable=False),
)

job_attempts = Table(
    "job_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("provider", String(80), nullable=False),
    Column("outcome", String(16), nullable=False),  # submitted, failed, interrupted
    Column("reason", String(40)),  # FailureReason value when it failed
    Column("detail", Text, nullable=False, server_default=""),  # for the log/admins, never shown to members
    Column("remote_id", String(200)),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_job_attempts_job", "job_id"),
    Index("ix_job_attempts_provider_at", "provider", "at"),
)
