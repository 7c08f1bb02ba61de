"""Who may read and write what on PostgreSQL: one login per person, group roles, grants, row-level security.

The CLI checks roles too, but only the database can stop someone who connects with psql. On
SQLite there is nothing to set up: whoever can open the file can read every lead.

What the setup gives each group (the tables' owner, i.e. the admin who ran `leads db upgrade`,
is not subject to the policies: RLS is enabled but not FORCEd, so migrations, crawls and this
setup keep working as that login):

- ``<prefix>_rep``: reads the team (reps), public closure notices and crawl health; reads only
  the leads it owns and changes only the columns its commands write (status, lost reason,
  follow-up), each change together with the history row that records it; reads only the
  accounts, evidence and review-queue candidates of those leads; appends history rows in its own
  name only (never updates or deletes them); keeps its own `--new` cursor and what `--new` showed
  it; records and undoes its own bulk status changes.
- ``<prefix>_manager``: reads every row, creates and updates, but deletes nothing (a delete would
  cascade into leads, evidence and history); history (activity) is append-only and written in
  the manager's own name, each row only with the change it records (of a lead, a rep, a review
  candidate); a rep's name and database login (reps.db_login) are not changed here
  (the login only through `leads db grant`); no DDL.

On a login mapped to a rep, triggers stamp history with the login's name and the server's time
and set a lead's updated_by / updated_at / version (see history_sql and docs/reliability.md).

A login maps to a rep through reps.db_login; a rep whose row is inactive reaches no lead, no
account and no history even before the memberships are re-synced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.orm import Session

from leads.errors import InputError, NotFound, PermissionDenied
from leads.models import Activity, Rep

DEFAULT_GROUP_PREFIX = "leads"
SQLITE_MESSAGE = (
    "On SQLite the file is the trust boundary: whoever can read the database file can read and change "
    "every lead, so there are no database logins to set up. Keep the file mode 0600 in a 0700 folder, "
    "or move the team to PostgreSQL (see README: Roles and row-level security on PostgreSQL)."
)

# What a rep's group may do, table by table. Tables not listed here are closed to reps.
# Row-level policies narrow these below; triggers (HISTORY_SQL) stamp and pair what is written.
REP_PRIVILEGES: dict[str, str] = {
    "reps": "SELECT",  # the team directory; no RLS on reps (the policies read it)
    "notices": "SELECT",  # public records
    "crawl_runs": "SELECT",  # source health, nothing private
    "alembic_version": "SELECT",  # every command checks the schema version
    "leads": "SELECT",  # own leads only (RLS); UPDATE only of REP_LEAD_COLUMNS
    "accounts": "SELECT",  # accounts of own leads or owned by the rep (RLS)
    "evidence": "SELECT",  # evidence of own leads (RLS)
    "match_candidates": "SELECT",  # candidates of the accounts the rep sees (RLS), for `leads why`
    # append-only, own name, own leads, paired with a lead change; INSERT of every column but the id
    # (ACTIVITY_INSERT_COLUMNS), so nobody plants a row on an id the sequence will hand out next
    "activity": "SELECT",
    "user_cursors": "SELECT, INSERT, UPDATE",  # own cursors (RLS)
    "lead_views": "SELECT, INSERT, UPDATE",  # what `leads list --new` showed this rep (RLS)
    # own bulk operations (RLS): a bulk status change records one, `leads undo` marks it undone
    "operations": "SELECT, INSERT, UPDATE (undone_at)",
}
# The columns `leads status`, `note` and `follow-up` write; never the account, owner, score or priority.
# (updated_by, updated_at and version are overwritten by a trigger from the login and the clock.)
REP_LEAD_COLUMNS = ("status", "lost_reason", "follow_up", "follow_up_time", "updated_at", "updated_by", "version")
# Managers: what each table allows. No DELETE anywhere but cursors: deleting an account, notice or
# lead would cascade into leads and evidence and strip history rows of their lead.
MANAGER_PRIVILEGES: dict[str, str] = {
    "activity": "SELECT",  # append-only for everyone but the admin; INSERT as for reps (no id)
    "alembic_version": "SELECT",  # migrations are the admin's
    "user_cursors": "SELECT, INSERT, UPDATE, DELETE",
}
MANAGER_DEFAULT = "SELECT, INSERT, UPDATE"
# reps: a person's name is what history records, so nobody renames a rep (no CLI path does), and
# reps.db_login ties a login to a person: only the admin changes it (`leads db grant`).
ADMIN_ONLY_REP_COLUMNS = ("id", "db_login")
MANAGER_FIXED_REP_COLUMNS = ("name", "created_at")
RLS_TABLES = (
    "leads",
    "accounts",
    "evidence",
    "match_candidates",
    "activity",
    "user_cursors",
    "lead_views",
    "operations",
)
REP_HISTORY_ACTIONS = ("note", "status", "status_forced", "follow_up")
# Every history action the CLI writes on a person's login, by what each row must come with in its
# transaction: the change of its lead, of the rep it names (reps.name = subject), or of the review
# candidate it names (subject "candidate N"). Any other action is not history leads writes.
LEAD_HISTORY_ACTIONS = (*REP_HISTORY_ACTIONS, "assign", "undo_assign", "lead_created", "flagged_closing")
TEAM_HISTORY_ACTIONS = ("rep_added", "rep_edited", "rep_deactivated", "rep_bootstrap")
REVIEW_HISTORY_ACTIONS = ("review_confirm", "review_reject")


def _follow_up_sql(row: str) -> str:
    """SQL for a lead row's follow-up as history writes it (leads.services.work.follow_up_text):
    ``2026-12-07`` or ``2026-12-07 09:00``; NULL without one."""
    return f"(to_char({row}.follow_up, 'YYYY-MM-DD') || coalesce(' ' || to_char({row}.follow_up_time, 'HH24:MI'), ''))"


def history_sql(q: _Sql) -> list[str]:
    """Triggers that make history the system's own on a person's login (mapped through reps.db_login).

    On such a login: an activity row must carry the login's own name and gets the server's
    time (a supplied, e.g. backdated, time is replaced); a lead's updated_by / updated_at /
    version are set from the login and the clock. A rep's change to a lead commits only with
    the history row that tells it (a follow-up row from the old follow-up to the new), and
    anyone's history row only with the change it records (checked at commit, matched by
    transaction id: nothing a user can set): lead work with its lead's change (a status row
    with the status reached, one per status reached, a follow-up row with the follow-up set),
    team rows with the change of the rep they name, review rows with the decision on their
    candidate; no action the CLI does not write. A rep's row joins no bulk operation but her
    own (`leads undo` reverts a batch's rows). Nobody but the admin picks a history row's id (the column is not
    granted). Logins not mapped to a rep (the admin, the nightly) write as the system and are
    not checked.
    """
    reps, leads, activity = q.table("reps"), q.table("leads"), q.table("activity")
    fn = lambda name: f"{q.ident(q.schema)}.{q.ident(name)}"  # noqa: E731
    header = (
        f"RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = {q.ident(q.schema)}, pg_temp AS $fn$\n"
    )
    who = (
        f"  SELECT r.name, r.role, r.active INTO me, my_role, is_active FROM {reps} r "
        f"WHERE r.db_login = session_user::text;\n"
    )
    decl = "DECLARE me text; my_role text; is_active boolean;\nBEGIN\n"
    denied = "USING ERRCODE = 'insufficient_privilege'"
    listed = lambda names: ", ".join(q.literal(a) for a in names)  # noqa: E731
    actions, lead_actions = listed(REP_HISTORY_ACTIONS), listed(LEAD_HISTORY_ACTIONS)
    team_actions, review_actions = listed(TEAM_HISTORY_ACTIONS), listed(REVIEW_HISTORY_ACTIONS)
    known = listed((*LEAD_HISTORY_ACTIONS, *TEAM_HISTORY_ACTIONS, *REVIEW_HISTORY_ACTIONS))
    mine = "pg_current_xact_id()::xid"
    out = [
        f"CREATE OR REPLACE FUNCTION {fn('leads_activity_stamp')}() {header}{decl}{who}"
        "  IF NOT FOUND THEN RETURN NEW; END IF;\n"
        "  IF NOT is_active THEN\n"
        f"    RAISE EXCEPTION 'permission denied: login % belongs to an inactive rep', session_user {denied};\n"
        "  END IF;\n"
        "  IF NEW.actor IS DISTINCT FROM me THEN\n"
        "    RAISE EXCEPTION 'permission denied: history is written in your own name (%), not as %', "
        f"me, NEW.actor {denied};\n"
        "  END IF;\n"
        "  NEW.at := clock_timestamp();\n"
        "  RETURN NEW;\nEND $fn$",
        f"CREATE OR REPLACE FUNCTION {fn('leads_rep_login_check')}() {header}{decl}{who}"
        "  IF NOT FOUND THEN RETURN NEW; END IF;\n"
        "  IF NEW.db_login IS NOT NULL THEN\n"
        "    RAISE EXCEPTION 'permission denied: a rep''s database login is set only by the admin "
        f"(leads db grant --rep NAME --login LOGIN)' {denied};\n"
        "  END IF;\n"
        # History records people by name, and the CLI finds them by name whatever the case: a second
        # "Ana" (or "ana ") beside ana would pass for her.
        f"  IF EXISTS (SELECT 1 FROM {reps} r WHERE lower(btrim(r.name)) = lower(btrim(NEW.name))) THEN\n"
        "    RAISE EXCEPTION 'permission denied: the team has a rep named % already (history records people "
        f"by name)', NEW.name {denied};\n"
        "  END IF;\n"
        "  RETURN NEW;\nEND $fn$",
        f"CREATE OR REPLACE FUNCTION {fn('leads_lead_stamp')}() {header}{decl}{who}"
        "  IF NOT FOUND THEN RETURN NEW; END IF;\n"
        "  NEW.updated_by := me; NEW.updated_at := clock_timestamp(); NEW.version := OLD.version + 1;\n"
        "  RETURN NEW;\nEND $fn$",
        f"CREATE OR REPLACE FUNCTION {fn('leads_rep_lead_has_history')}() {header}{decl}{who}"
        "  IF NOT FOUND OR my_role <> 'rep' THEN RETURN NULL; END IF;\n"
        f"  IF NOT EXISTS (SELECT 1 FROM {activity} a WHERE a.lead_id = NEW.id AND a.xmin = {mine}\n"
        "                 AND a.actor = me AND (NEW.status IS NOT DISTINCT FROM OLD.status\n"
        "                      OR (a.action IN ('status', 'status_forced') AND a.from_value = OLD.status\n"
        "                          AND a.to_value = NEW.status)))\n"
        "     OR ((NEW.follow_up IS DISTINCT FROM OLD.follow_up\n"
        "          OR NEW.follow_up_time IS DISTINCT FROM OLD.follow_up_time) AND NOT EXISTS (\n"
        f"         SELECT 1 FROM {activity} a WHERE a.lead_id = NEW.id AND a.xmin = {mine}\n"
        # the row tells the change as it was: from the old follow-up to the new one
        f"         AND a.action = 'follow_up' AND a.from_value IS NOT DISTINCT FROM {_follow_up_sql('OLD')}\n"
        f"         AND a.to_value IS NOT DISTINCT FROM {_follow_up_sql('NEW')})) THEN\n"
        "    RAISE EXCEPTION 'permission denied: a rep changes lead % only with the history row that records it "
        f"(leads status, note, follow-up)', NEW.id {denied};\n"
        "  END IF;\n"
        "  RETURN NULL;\nEND $fn$",
        f"CREATE OR REPLACE FUNCTION {fn('leads_rep_history_has_change')}() {header}{decl}{who}"
        "  IF NOT FOUND THEN RETURN NULL; END IF;\n"
        # Only the actions the CLI writes, each beside the change it records: lead work with the
        # change of its lead (a status row naming the status reached, a follow-up row the follow-up
        # set), a team row with the change of the rep it names, a review row with the decision on
        # its candidate. A rep writes only the history of her lead work.
        f"  IF NEW.action NOT IN ({known}) THEN\n"
        "    RAISE EXCEPTION 'permission denied: % is not a history action leads writes', NEW.action "
        f"{denied};\n"
        "  END IF;\n"
        f"  IF (my_role = 'rep' AND (NEW.action NOT IN ({actions}) OR NEW.lead_id IS NULL))\n"
        f"     OR (NEW.action IN ({lead_actions}) AND NOT EXISTS (\n"
        f"      SELECT 1 FROM {leads} l WHERE l.id = NEW.lead_id AND l.xmin = {mine}\n"
        "      AND (NEW.action NOT IN ('status', 'status_forced') OR l.status = NEW.to_value)\n"
        f"      AND (NEW.action <> 'follow_up' OR {_follow_up_sql('l')} IS NOT DISTINCT FROM NEW.to_value))) THEN\n"
        "    RAISE EXCEPTION 'permission denied: a history row (%) is written only with the change of lead % "
        f"it records', NEW.action, NEW.lead_id {denied};\n"
        "  END IF;\n"
        f"  IF (NEW.action IN ({team_actions}) AND (NEW.lead_id IS NOT NULL OR NOT EXISTS (\n"
        f"      SELECT 1 FROM {reps} r WHERE r.xmin = {mine} AND r.name = NEW.subject)))\n"
        f"     OR (NEW.action IN ({review_actions}) AND (NEW.lead_id IS NOT NULL OR NOT EXISTS (\n"
        f"      SELECT 1 FROM {q.table('match_candidates')} c WHERE c.xmin = {mine}\n"
        "      AND NEW.subject = 'candidate ' || c.id::text))) THEN\n"
        "    RAISE EXCEPTION 'permission denied: a history row (%) is written only with the change of % it records', "
        f"NEW.action, coalesce(NEW.subject, 'the team') {denied};\n"
        "  END IF;\n"
        # One status row per status a lead reached in the transaction: a second row naming the same
        # status (another "from", a copy) would tell a move that never happened.
        "  IF NEW.action IN ('status', 'status_forced') AND (\n"
        f"      SELECT count(*) FROM {activity} a WHERE a.lead_id = NEW.lead_id AND a.xmin = {mine}\n"
        "      AND a.action IN ('status', 'status_forced') AND a.to_value IS NOT DISTINCT FROM NEW.to_value) > 1 THEN\n"
        "    RAISE EXCEPTION 'permission denied: lead % has more than one history row of its move to %', "
        f"NEW.lead_id, NEW.to_value {denied};\n"
        "  END IF;\n"
        # `leads undo` reverts the rows of a batch: a rep's row joins only a bulk operation of her own.
        "  IF my_role = 'rep' AND NEW.batch_id IS NOT NULL AND NOT EXISTS (\n"
        f"      SELECT 1 FROM {q.table('operations')} o WHERE o.id = NEW.batch_id AND o.actor = me) THEN\n"
        "    RAISE EXCEPTION 'permission denied: history row of lead % names bulk operation %, which is not yours', "
        f"NEW.lead_id, NEW.batch_id {denied};\n"
        "  END IF;\n"
        "  RETURN NULL;\nEND $fn$",
    ]
    triggers = [
        ("leads_activity_stamp", "BEFORE INSERT ON", activity, "leads_activity_stamp", False),
        ("leads_lead_stamp", "BEFORE UPDATE ON", leads, "leads_lead_stamp", False),
        ("leads_rep_login_check", "BEFORE INSERT ON", reps, "leads_rep_login_check", False),
        ("leads_rep_lead_has_history", "AFTER UPDATE ON", leads, "leads_rep_lead_has_history", True),
        ("leads_rep_history_has_change", "AFTER INSERT ON", activity, "leads_rep_history_has_change", True),
    ]
    for name, when, table, function, deferred in triggers:
        out.append(f"DROP TRIGGER IF EXISTS {q.ident(name)} ON {table}")
        kind = "CONSTRAINT TRIGGER" if deferred else "TRIGGER"
        tail = " DEFERRABLE INITIALLY DEFERRED" if deferred else ""
        out.append(f"CREATE {kind} {q.ident(name)} {when} {table}{tail} FOR EACH ROW EXECUTE FUNCTION {fn(function)}()")
    # The functions run as their owner (to read reps and pair rows past RLS): nobody else calls them.
    out += [
        f"REVOKE ALL ON FUNCTION {fn(f)}() FROM PUBLIC"
        for f in (
            "leads_activity_stamp",
            "leads_lead_stamp",
            "leads_rep_login_check",
            "leads_rep_lead_has_history",
            "leads_rep_history_has_change",
        )
    ]
    return out


_LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")
_RESERVED = {"public", "none", "current_user", "session_user", "current_role"}


@dataclass
class LoginChange:
    rep: str
    login: str
    access: str  # "rep", "manager" or "none (inactive)"
    created: bool = False


@dataclass
class GrantPlan:
    """The SQL that brings the schema to the intended state, and what it means in words."""

    schema: str
    groups: tuple[str, str]
    statements: list[str] = field(default_factory=list)
    logins: list[LoginChange] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)  # logins taken out of both groups
    warnings: list[str] = field(default_factory=list)
    mapping: tuple[int, str, str | None, str] | None = None  # rep id, rep name, old login, new login

    @property
    def sql(self) -> str:
        return "".join(f"{s};\n" for s in self.statements)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def database_actor_name(session: Session) -> str | None:
    """The rep's name when the connection's login is mapped to a rep (PostgreSQL); None otherwise."""
    if not is_postgres(session):
        return None
    return session.scalar(select(Rep.name).where(Rep.db_login == cast(func.current_user(), String)))


def acting_name(session: Session, requested: str) -> str:
    """The name to act as: on a rep's own login, that rep, whatever --as / LEADS_USER says.

    Naming another member of the team is refused; a name that is nobody on the team (the OS
    login by default) is taken to mean "me".
    """
    bound = database_actor_name(session)
    if bound is None or bound.lower() == requested.lower():
        return bound or requested
    other = session.scalar(select(Rep.name).where(func.lower(Rep.name) == requested.lower()))
    if other is not None:
        login = session.scalar(select(func.current_user()))
        raise PermissionDenied(
            f"connected to the database as login {login}, which belongs to {bound}: "
            f"{bound} cannot act as {other} (drop --as / LEADS_USER, or connect with {other}'s own login)"
        )
    return bound


# -- the admin's side ---------------------------------------------------------------------------


def check_admin(session: Session) -> None:
    """Refuse unless the connection can create roles and alter the tables (superuser, or owner + CREATEROLE)."""
    row = session.execute(
        text(
            "SELECT current_user::text, r.rolsuper, r.rolcreaterole, "
            "       c.oid IS NOT NULL AND pg_has_role(current_user, c.relowner, 'USAGE'), "
            "       pg_get_userbyid(c.relowner)::text, current_schema()::text "
            "FROM pg_roles r "
            "LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(current_schema()) || '.leads') "
            "WHERE r.rolname = current_user"
        )
    ).one()
    user, superuser, createrole, owns, owner, schema = row
    if schema is None:
        raise InputError("the connection's search_path names no existing schema; run `leads db upgrade` first")
    if owner is None:
        raise InputError(f"schema {schema} has no leads table; run `leads db upgrade` first")
    if superuser or (owns and createrole):
        return
    if owns:
        raise PermissionDenied(
            f"`leads db grant` needs an admin connection: {user} owns the tables but cannot create roles; "
            f"a superuser can run ALTER ROLE {user} CREATEROLE, or connect as a superuser"
        )
    raise PermissionDenied(
        f"`leads db grant` needs an admin connection: you are connected as {user}, which is neither a "
        f"superuser nor the owner of the tables ({owner}); connect as {owner} or a superuser "
        "(--db / LEADS_DATABASE_URL)"
    )


def check_login_name(login: str, groups: tuple[str, str]) -> None:
    if not _LOGIN.match(login) or login.lower().startswith("pg_") or login.lower() in _RESERVED or login in groups:
        raise InputError(
            f"{login!r} cannot be a rep's login: use 1 to 63 letters, digits, _ . @ - (starting with a letter "
            "or _), not pg_..., not a reserved or group role name"
        )


class _Sql:
    """Identifier quoting for statements that are printed (dry run) and executed alike."""

    def __init__(self, session: Session, schema: str) -> None:
        self._prep = session.get_bind().dialect.identifier_preparer
        self.schema = schema

    def ident(self, name: str) -> str:
        return self._prep.quote(name)

    def table(self, name: str) -> str:
        return f"{self.ident(self.schema)}.{self.ident(name)}"

    @staticmethod
    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"


def plan_grants(
    session: Session, *, group_prefix: str = DEFAULT_GROUP_PREFIX, rep_name: str | None = None, login: str | None = None
) -> GrantPlan:
    """Everything `leads db grant` would run, computed from the catalogs; changes nothing.

    With ``rep_name`` only that rep's login (mapped to ``login`` when given) is synced; without,
    every rep with a login is, and logins in the groups that no longer belong to an active rep of
    this database are taken out.
    """
    if not re.match(r"^[a-z_][a-z0-9_]{0,40}$", group_prefix) or group_prefix.startswith("pg_"):
        raise InputError(f"group prefix {group_prefix!r}: use lower-case letters, digits and _ (not pg_...)")
    # One setup at a time (two runs would race on CREATE ROLE); held until the transaction ends.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('leads db grant'))"))
    schema = session.scalar(text("SELECT current_schema()::text"))
    groups = (f"{group_prefix}_rep", f"{group_prefix}_manager")
    plan = GrantPlan(schema=schema, groups=groups)
    q = _Sql(session, schema)
    rep_g, mgr_g = (q.ident(g) for g in groups)
    both = f"{rep_g}, {mgr_g}"
    roles = {
        name: (can_login, bypass)
        for name, can_login, bypass in session.execute(
            text("SELECT rolname::text, rolcanlogin, rolsuper OR rolbypassrls FROM pg_roles")
        )
    }
    owner = session.scalar(
        text(
            "SELECT pg_get_userbyid(relowner)::text FROM pg_class "
            "WHERE oid = to_regclass(quote_ident(current_schema()) || '.leads')"
        )
    )
    run = plan.statements.append

    # 1. Group roles: cluster-wide, created once, never able to log in.
    for group in groups:
        if group not in roles:
            run(f"CREATE ROLE {q.ident(group)} NOLOGIN")
        elif roles[group][0]:
            raise InputError(f"role {group} exists and can log in; it cannot serve as a group role")

    # 2. Table and sequence privileges, reset then granted, so re-running converges.
    tables = list(
        session.scalars(
            text(
                "SELECT table_name::text FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        )
    )
    run(f"REVOKE ALL ON SCHEMA {q.ident(schema)} FROM {both}")
    run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q.ident(schema)} FROM {both}")
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q.ident(schema)} FROM {both}")
    run(f"GRANT USAGE ON SCHEMA {q.ident(schema)} TO {both}")

    def columns_of(table: str) -> list[str]:
        return list(
            session.scalars(
                text(
                    "SELECT column_name::text FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
                ),
                {"t": table},
            )
        )

    def column_list(names: list[str]) -> str:
        return ", ".join(q.ident(c) for c in names)

    for table in tables:
        if table in REP_PRIVILEGES:
            run(f"GRANT {REP_PRIVILEGES[table]} ON {q.table(table)} TO {rep_g}")
        if table == "activity":
            # The id comes from the sequence: a row planted on the id it hands out next would make
            # the next history row (anyone's) fail on the duplicate key.
            insertable = [c for c in columns_of("activity") if c != "id"]
            run(f"GRANT INSERT ({column_list(insertable)}) ON {q.table(table)} TO {both}")
        if table == "leads":
            updatable = [c for c in columns_of("leads") if c in REP_LEAD_COLUMNS]
            run(f"GRANT UPDATE ({column_list(updatable)}) ON {q.table(table)} TO {rep_g}")
        if table == "reps":
            columns = [c for c in columns_of("reps") if c not in ADMIN_ONLY_REP_COLUMNS]
            run(f"GRANT SELECT ON {q.table(table)} TO {mgr_g}")
            # The ORM names every column in its INSERT (db_login as NULL), so the column is granted
            # and a trigger refuses any value but NULL from a person's login.
            run(f"GRANT INSERT ({column_list(columns + ['db_login'])}) ON {q.table(table)} TO {mgr_g}")
            editable = [c for c in columns if c not in MANAGER_FIXED_REP_COLUMNS]
            run(f"GRANT UPDATE ({column_list(editable)}) ON {q.table(table)} TO {mgr_g}")
        else:
            run(f"GRANT {MANAGER_PRIVILEGES.get(table, MANAGER_DEFAULT)} ON {q.table(table)} TO {mgr_g}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q.ident(schema)} TO {mgr_g}")
    activity_seq = session.scalar(
        text("SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.activity', 'id')")
    )
    if activity_seq:
        run(f"GRANT USAGE ON SEQUENCE {activity_seq} TO {rep_g}")

    # 3. Row-level security. The rep is found through reps (which has no RLS, so no recursion);
    # policy expressions are bound to these tables when created, whatever the search_path later.
    me_id = f"(SELECT r.id FROM {q.table('reps')} r WHERE r.db_login = current_user::text AND r.active)"
    me_name = f"(SELECT r.name FROM {q.table('reps')} r WHERE r.db_login = current_user::text AND r.active)"
    my_leads = f"(SELECT l.id FROM {q.table('leads')} l)"  # RLS on leads applies inside: own leads only
    policies: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {
        # table: (policy suffix, command, role, USING, WITH CHECK)
        "leads": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            ("rep_select", "SELECT", rep_g, f"owner_id = {me_id}", None),
            ("rep_update", "UPDATE", rep_g, f"owner_id = {me_id}", f"owner_id = {me_id}"),
        ],
        "accounts": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            (
                "rep_select",
                "SELECT",
                rep_g,
                f"owner_id = {me_id} OR id IN (SELECT l.account_id FROM {q.table('leads')} l)",
                None,
            ),
        ],
        "evidence": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            ("rep_select", "SELECT", rep_g, f"lead_id IN {my_leads}", None),
        ],
        "match_candidates": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            # RLS on accounts applies inside: the candidates of the accounts this rep may see.
            ("rep_select", "SELECT", rep_g, f"account_id IN (SELECT a.id FROM {q.table('accounts')} a)", None),
        ],
        "activity": [
            ("manager_select", "SELECT", mgr_g, "true", None),
            ("manager_insert", "INSERT", mgr_g, None, f"actor = {me_name}"),
            ("rep_select", "SELECT", rep_g, f"actor = {me_name} OR lead_id IN {my_leads}", None),
            ("rep_insert", "INSERT", rep_g, None, f"actor = {me_name} AND lead_id IN {my_leads}"),
        ],
        "user_cursors": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            ("rep_own", "ALL", rep_g, f'"user" = {me_name}', f'"user" = {me_name}'),
        ],
        "lead_views": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            # Her own rows, written only for her own leads (a row for another's lead would tell its id exists).
            ("rep_own", "ALL", rep_g, f'"user" = {me_name}', f'"user" = {me_name} AND lead_id IN {my_leads}'),
        ],
        "operations": [
            ("manager_all", "ALL", mgr_g, "true", "true"),
            ("rep_select", "SELECT", rep_g, f"actor = {me_name}", None),
            ("rep_insert", "INSERT", rep_g, None, f"actor = {me_name}"),
            ("rep_update", "UPDATE", rep_g, f"actor = {me_name}", f"actor = {me_name}"),
        ],
    }
    existing = session.execute(
        text("SELECT tablename::text, policyname::text FROM pg_policies WHERE schemaname = current_schema()")
    ).all()
    for table in RLS_TABLES:
        if table not in tables:
            continue
        # This setup owns the policies of these tables: drop them all, then create the intended ones.
        for _, name in (p for p in existing if p[0] == table):
            run(f"DROP POLICY {q.ident(name)} ON {q.table(table)}")
        run(f"ALTER TABLE {q.table(table)} ENABLE ROW LEVEL SECURITY")
        for suffix, command, role, using, check in policies[table]:
            sql = f"CREATE POLICY {q.ident(f'{group_prefix}_{suffix}')} ON {q.table(table)} FOR {command} TO {role}"
            if using:
                sql += f" USING ({using})"
            if check:
                sql += f" WITH CHECK ({check})"
            run(sql)

    # 4. History is the system's own: stamped from the login, paired with the change it records.
    if {"leads", "activity", "reps"} <= set(tables):
        plan.statements.extend(history_sql(q))

    # 5. Logins: each mapped rep's login exists and is in exactly the group of the rep's role.
    if rep_name is not None:
        rep = session.scalar(select(Rep).where(func.lower(Rep.name) == rep_name.lower()))
        if rep is None:
            raise NotFound(f"no rep named {rep_name!r}")
        if login is not None and login != rep.db_login:
            check_login_name(login, groups)
            taken = session.scalar(select(Rep.name).where(Rep.db_login == login, Rep.id != rep.id))
            if taken:
                raise InputError(f"login {login} already belongs to {taken}")
            run(f"UPDATE {q.table('reps')} SET db_login = {q.literal(login)} WHERE id = {rep.id}")
            plan.mapping = (rep.id, rep.name, rep.db_login, login)
            if rep.db_login and rep.db_login in roles:
                plan.revoked.append(rep.db_login)
            targets = [(rep.name, login, rep.role, rep.active)]
        elif rep.db_login:
            targets = [(rep.name, rep.db_login, rep.role, rep.active)]
        else:
            raise InputError(f"{rep.name} has no database login yet: add --login LOGIN")
    else:
        targets = [
            (r.name, r.db_login or "", r.role, r.active)  # db_login is not null by the query
            for r in session.scalars(select(Rep).where(Rep.db_login.is_not(None)).order_by(Rep.name))
        ]

    members = {
        (member, group)
        for member, group in session.execute(
            text(
                "SELECT m.rolname::text, g.rolname::text FROM pg_auth_members am "
                "JOIN pg_roles m ON m.oid = am.member JOIN pg_roles g ON g.oid = am.roleid "
                "WHERE g.rolname IN (:r, :m) AND NOT am.admin_option"
            ),
            {"r": groups[0], "m": groups[1]},
        )
    }
    current_user = session.scalar(text("SELECT current_user::text"))
    bypassing = [
        f"{name} ({lg})" for name, lg, _, _ in targets if lg in roles and roles[lg][1] or lg in (owner, current_user)
    ]
    if bypassing:
        raise InputError(
            f"these logins bypass row-level security (superuser, BYPASSRLS, or the tables' owner): "
            f"{', '.join(bypassing)}; give each person a login of their own"
        )
    for name, lg, role, active in targets:
        change = LoginChange(rep=name, login=lg, access=role if active else "none (inactive)")
        if lg not in roles:
            # No password: the admin decides how the login authenticates (pg_hba.conf, ALTER ROLE ... PASSWORD).
            run(f"CREATE ROLE {q.ident(lg)} LOGIN")
            change.created = True
        elif not roles[lg][0]:
            plan.warnings.append(f"role {lg} ({name}) cannot log in; a superuser can run ALTER ROLE {lg} LOGIN")
        wanted = {groups[1] if role == "manager" else groups[0]} if active else set()
        for group in groups:
            if group in wanted and (lg, group) not in members:
                run(f"GRANT {q.ident(group)} TO {q.ident(lg)}")
            elif group not in wanted and (lg, group) in members:
                run(f"REVOKE {q.ident(group)} FROM {q.ident(lg)}")
        plan.logins.append(change)

    stale = set(plan.revoked)
    if rep_name is None:
        mapped = {lg for _, lg, _, _ in targets}
        stale |= {m for m, _ in members if m not in mapped and m != current_user}
    plan.revoked = sorted(stale)
    for lg in plan.revoked:
        for group in groups:
            if (lg, group) in members:
                run(f"REVOKE {q.ident(group)} FROM {q.ident(lg)}")
    return plan


def apply_grants(session: Session, plan: GrantPlan, actor_name: str) -> None:
    """Run the plan in the caller's transaction; a login mapping is logged in the audit trail."""
    conn = session.connection()
    # Straight to the driver without parameters: the trigger bodies hold RAISE's '%' placeholders,
    # which a parameterised execute would read as its own.
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None, "a checked-out connection has its DBAPI connection"
    cursor = dbapi.cursor()
    try:
        for statement in plan.statements:
            cursor.execute(statement)
    finally:
        cursor.close()
    if plan.mapping is not None:
        rep_id, rep_name, old, new = plan.mapping
        session.add(Activity(actor=actor_name, action="db_login", subject=rep_name, from_value=old, to_value=new))
        session.flush()


def apply_security(
    session: Session, *, group_prefix: str = DEFAULT_GROUP_PREFIX, actor_name: str = "admin"
) -> GrantPlan:
    """(Re)apply the whole setup for every rep with a login, idempotently, on an admin session."""
    check_admin(session)
    plan = plan_grants(session, group_prefix=group_prefix)
    apply_grants(session, plan, actor_name)
    return plan


# -- the role model in words (docs/reliability.md) ----------------------------------------------

# What each row-level policy that narrows rows lets through, by (table, policy suffix); the policies
# themselves are in plan_grants. A policy without words here fails tests/test_reliability_roles.py.
ROW_RULES: dict[tuple[str, str], str] = {
    ("leads", "rep_select"): "own leads",
    ("leads", "rep_update"): "own leads",
    ("accounts", "rep_select"): "accounts of own leads, or owned",
    ("evidence", "rep_select"): "of own leads",
    ("match_candidates", "rep_select"): "of the accounts the rep sees",
    ("activity", "manager_insert"): "own name",
    ("activity", "rep_select"): "own name, or own leads' history",
    ("activity", "rep_insert"): "own name, own leads",
    ("user_cursors", "rep_own"): "own",
    ("lead_views", "rep_own"): "own (written for own leads)",
    ("operations", "rep_select"): "own",
    ("operations", "rep_insert"): "own",
    ("operations", "rep_update"): "own",
}
_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


def role_matrix(session: Session, group_prefix: str = DEFAULT_GROUP_PREFIX) -> list[tuple[str, ...]]:
    """(role, table, SELECT, INSERT, UPDATE, DELETE) for each group and table, read from the catalogs
    of the connection's schema after `leads db grant`: what each group may do, on which columns,
    narrowed to which rows (RLS), checked by which triggers."""
    schema = session.scalar(text("SELECT current_schema()::text"))
    tables = list(
        session.scalars(
            text(
                "SELECT table_name::text FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        )
    )
    policies: dict[tuple[str, str, str], list[str]] = {}  # (table, group, command) -> narrowing words
    rls = set(
        session.scalars(
            text("SELECT relname::text FROM pg_class WHERE relnamespace = to_regnamespace(:s) AND relrowsecurity"),
            {"s": schema},
        )
    )
    for table, name, roles, command, qual, check in session.execute(
        text(
            "SELECT tablename::text, policyname::text, roles::text[], cmd::text, qual, with_check "
            "FROM pg_policies WHERE schemaname = current_schema()"
        )
    ):
        narrows = {qual, check} - {None, "true"}
        suffix = name.removeprefix(f"{group_prefix}_")
        words = ROW_RULES[(table, suffix)] if narrows else "all rows"
        for group in roles:
            for cmd in _COMMANDS if command == "ALL" else (command,):
                policies.setdefault((table, group, cmd), []).append(words)
    triggers: dict[tuple[str, str], list[str]] = {}
    for table, name, tgtype in session.execute(
        text(
            "SELECT c.relname::text, t.tgname::text, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = to_regnamespace(:s) AND NOT t.tgisinternal ORDER BY t.tgname"
        ),
        {"s": schema},
    ):
        for bit, cmd in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE")):
            if tgtype & bit:
                triggers.setdefault((table, cmd), []).append(name)
    out = []
    for role in ("rep", "manager"):
        group = f"{group_prefix}_{role}"
        for table in tables:
            columns = list(
                session.scalars(
                    text(
                        "SELECT column_name::text FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
                    ),
                    {"t": table},
                )
            )
            qualified = f"{schema}.{table}"
            cells = []
            for cmd in _COMMANDS:
                if cmd in ("SELECT", "DELETE"):
                    allowed = session.scalar(
                        text("SELECT has_table_privilege(:g, :t, :p)"), {"g": group, "t": qualified, "p": cmd}
                    )
                    cell = "yes" if allowed else ""
                else:
                    granted = [
                        c
                        for c in columns
                        if session.scalar(
                            text("SELECT has_column_privilege(:g, :t, :c, :p)"),
                            {"g": group, "t": qualified, "c": c, "p": cmd},
                        )
                    ]
                    cell = "all columns" if granted == columns else ", ".join(f"`{c}`" for c in granted)
                if not cell:
                    cells.append("—")
                    continue
                if table in rls:
                    rules = sorted(set(policies.get((table, group, cmd), [])))
                    if not rules:
                        cell += "; rows: none (no policy)"
                    elif rules != ["all rows"]:
                        cell += f"; rows: {' or '.join(rules)}"
                if triggers.get((table, cmd)):
                    cell += "; triggers " + ", ".join(triggers[(table, cmd)])
                cells.append(cell)
            out.append((role, table, *cells))
    return out


def role_table_markdown(rows: list[tuple[str, ...]]) -> str:
    head = "| role | table | SELECT | INSERT | UPDATE (columns) | DELETE |\n|---|---|---|---|---|---|\n"
    return head + "".join("| " + " | ".join(row) + " |\n" for row in rows)
