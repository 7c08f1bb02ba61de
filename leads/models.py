"""SQLAlchemy 2 typed models: notices, accounts, leads and their evidence, reps, activity, crawl runs."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from leads import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from leads.vocabulary import LEAD_STATUSES, LINK_KINDS, OPEN_STATUSES, REP_ROLES  # noqa: E402,F401  (one vocabulary)


def utcnow() -> datetime:
    return clock.now()


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, typed as one (``__table__`` is declared as a FromClause)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Notice(Base):
    """One closure notice as one source published it; upserted on (source, source_key)."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    source_key: Mapped[str] = mapped_column(String(255))
    company_name: Mapped[str] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    zip5: Mapped[str | None] = mapped_column(String(5))
    notice_type: Mapped[str] = mapped_column(String(20))
    notice_date: Mapped[date | None] = mapped_column(Date)
    effective_date: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)
    industry_code: Mapped[str | None] = mapped_column(String(20))
    # Added in 0003: null / false on every notice stored before, and on sources that do not say.
    temporary: Mapped[bool | None] = mapped_column(Boolean)
    amended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    source_url: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Hash of the normalized fields: a re-crawl that changes it counts as an update.
    content_hash: Mapped[str] = mapped_column(String(64))
    name_norm: Mapped[str] = mapped_column(String(500), default="")
    address_norm: Mapped[str] = mapped_column(String(500), default="")
    # Notices about the same closure (several sources, amendments) share a key: one closure.
    closure_key: Mapped[str | None] = mapped_column(String(300), index=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rep(Base):
    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="rep")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # {"states": ["VA"], "zip_prefixes": ["221"], "cities": ["Richmond"]}
    territory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # The PostgreSQL login this person uses (row-level security maps it to the rep); None on SQLite.
    db_login: Mapped[str | None] = mapped_column(String(63), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Account(Base):
    """The team's own account book, with normalized forms computed once at import."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    zip5: Mapped[str | None] = mapped_column(String(5), index=True)
    industry: Mapped[str | None] = mapped_column(String(255))
    incumbent_vendor: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(500))
    # Hash of the imported fields: a re-import that changes nothing is counted as unchanged.
    import_hash: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"), index=True)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    name_norm: Mapped[str] = mapped_column(String(500), default="")
    vendor_norm: Mapped[str] = mapped_column(String(500), default="", index=True)
    address_norm: Mapped[str] = mapped_column(String(500), default="")
    city_norm: Mapped[str] = mapped_column(String(200), default="")
    # Coordinates from the CRM's geocode, when the import had them (matching: distance evidence).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Rep | None] = relationship()


class Lead(Base):
    """An account worth working; at most one open lead per account."""

    __tablename__ = "leads"
    __table_args__ = (
        Index(
            "uq_leads_open_account",
            "account_id",
            unique=True,
            sqlite_where=text("status IN ('new','contacted','meeting','proposal')"),
            postgresql_where=text("status IN ('new','contacted','meeting','proposal')"),
        ),
        Index("ix_leads_owner_status_priority", "owner_id", "status", "priority"),
        Index("ix_leads_status_priority", "status", "priority"),
        # A manager's first page walks this index and stops after 50 open, contactable leads.
        Index("ix_leads_priority_id", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"), index=True)
    follow_up: Mapped[date | None] = mapped_column(Date, index=True)
    # The time of day the rep gave with the follow-up ("tomorrow 14:30"), their own wall-clock time; due-ness
    # goes by the date alone.
    follow_up_time: Mapped[time | None] = mapped_column(Time)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # Explainable priority (match score, closure date, employees), stored so the first page is an index scan.
    priority: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    # The closure behind the lead, kept here so lists sort and filter without joining notices.
    closure_date: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)
    # The account itself is closing: not a prospect, its owner is told.
    flagged_closing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lost_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    account: Mapped[Account] = relationship()
    owner: Mapped[Rep | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}


class Evidence(Base):
    """Why a lead exists: the notice behind it, the link kind, the score and the matched strings."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("lead_id", "notice_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    score: Mapped[float] = mapped_column(Float)
    matched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="evidence")
    notice: Mapped[Notice] = relationship()


class Activity(Base):
    """Append-only audit trail: who did what to which lead, from what to what, and why."""

    __tablename__ = "activity"

    # BIGINT on PostgreSQL (migration 0008: a login may draw ids); INTEGER on SQLite, where it is the rowid.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # Groups the rows of one bulk operation so `leads undo` can revert it as a whole.
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)


class CrawlRun(Base):
    """One source's outcome in one crawl: the health record `leads sources` and the nightly read."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    items: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str | None] = mapped_column(Text)
    start_url: Mapped[str | None] = mapped_column(Text)
    # What the run could not read although it landed the rows (optional columns not found, unknown
    # columns that appeared): a list of sentences. Non-empty makes the outcome "degraded".
    warnings: Mapped[list[str] | None] = mapped_column(JSON)


class MatchCandidate(Base):
    """A proposed link between a notice and an account, and what a manager decided about it.

    Links at or above the accept threshold are accepted automatically; those in the review band
    wait in `leads review`. A rejected pair is never proposed again.
    """

    __tablename__ = "match_candidates"
    __table_args__ = (UniqueConstraint("notice_id", "account_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    score: Mapped[float] = mapped_column(Float)
    matched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending (review band), accepted (automatic), confirmed / rejected (a manager's decision)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship()
    account: Mapped[Account] = relationship()


class UserCursor(Base):
    """Per-user bookmarks, e.g. when a rep last pulled `leads list --new`."""

    __tablename__ = "user_cursors"

    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[datetime]


class LeadView(Base):
    """A lead someone was shown by `leads list --new`, and the arrival it was shown for.

    A lead is new to a person until it was shown to them for its latest arrival: created, or
    (for its owner) assigned to them. Reassigned to her later, it is new to her again.
    """

    __tablename__ = "lead_views"

    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, index=True)
    arrived_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Operation(Base):
    """A bulk operation (auto-assign, reassign, import) that `leads undo` can revert as a whole."""

    __tablename__ = "operations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str | None] = mapped_column(Text)
    undone_at: Mapped[datetime | None]
