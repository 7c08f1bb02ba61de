"""The account book: importing a CRM export (CSV or XLSX) and listing accounts.

An import is all or nothing: every invalid row is reported with its line and reason, and unless
the user asks to skip invalid rows, one invalid row means nothing changes. Normalized forms for
matching are computed here, once, and stored. A long import never holds the write lock for its
whole run: rows are staged in short transactions into a temporary table of the importer's own
connection, and one short transaction switches them in at the end (see ``_Staging``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leads import clock
from leads.errors import InputError
from leads.models import Account, Rep, table_of
from leads.queries import contains
from leads.services.people import Actor, require_manager
from leads.tables import read_table

FIELDS = (
    "external_id",
    "name",
    "address",
    "city",
    "state",
    "zip5",
    "industry",
    "incumbent_vendor",
    "phone",
    "website",
    "owner",
    "do_not_contact",
    "lat",
    "lon",
)
HEADER_SPEC: dict[str, list[str]] = {
    "external_id": [
        r"^(account|customer|client|record|crm) ?(id|number|no|num|#)$",
        r"^id$",
        r"\bid$",
        r"account number",
    ],
    "name": [
        r"^(account|company|business|customer|organi[sz]ation|legal) ?name$",
        r"^name$",
        r"^company$",
        r"^account$",
        r"name",
    ],
    "incumbent_vendor": [
        r"incumbent",
        r"(current|primary) (vendor|supplier|distributor)",
        r"^vendor",
        r"supplier",
        r"distributor",
    ],
    "address": [
        r"^(billing |shipping |mailing |street )?address( line)? ?1?$",
        r"^(billing |shipping |mailing )?street( address)?( line)? ?1?$",
        r"^street",
        r"address",
    ],
    "city": [r"^(billing |shipping |mailing )?city$", r"\bcity\b", r"town"],
    "state": [r"^(billing |shipping |mailing )?(state|province|region)( code)?$", r"\bstate\b"],
    "zip5": [r"(zip|postal)( ?code)?$", r"\bzip\b", r"postal"],
    "industry": [
        r"^industry",
        r"naics",
        r"\bsic\b",
        r"business category( code)? ?1? description",
        r"industry",
        r"segment",
    ],
    "phone": [r"^(phone|telephone|tel)( number| no)?$", r"^(main|business|office|work) phone", r"phone$"],
    "website": [r"web ?site", r"^url$", r"domain"],
    "owner": [r"(account )?owner", r"^rep$", r"sales ?rep", r"assigned to"],
    "do_not_contact": [r"do not (contact|call)", r"\bdnc\b", r"opt(ed)? ?out"],
    "lat": [r"^(geo ?)?lat(itude)?$", r"latitude"],
    "lon": [r"^(geo ?)?(lon|lng|long)(gitude)?$", r"longitude"],
}
REQUIRED = ("external_id", "name")
TRUE_WORDS = {"1", "y", "yes", "true", "t", "x", "dnc", "do not contact"}
FALSE_WORDS = {"", "0", "n", "no", "false", "f"}
CHUNK = 5000
#: The page cache of the switch's connection on SQLite, in KiB (allocated only as the switch touches pages).
SWITCH_CACHE_KIB = 256 * 1024
LIMITS: dict[str, int] = {
    c.name: c.type.length for c in table_of(Account).columns if isinstance(c.type, String) and c.type.length
}


@dataclass
class ImportReport:
    path: str
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field -> header used
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged + len(self.invalid)


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """--map COLUMN=FIELD pairs as {column: field}; fields are the names --help shows (vocabulary.ACCOUNT_MAP_FIELDS)."""
    from leads.vocabulary import ACCOUNT_MAP_FIELDS

    out = {}
    aliases = {**{f: f for f in FIELDS}, "account_id": "external_id", **ACCOUNT_MAP_FIELDS}
    for pair in pairs:
        column, sep, given = pair.rpartition("=")
        if not sep or not column.strip():
            raise InputError(f"--map expects COLUMN=FIELD, got {pair!r}")
        fld = aliases.get(given.strip().lower())
        if fld is None:
            raise InputError(f"--map {pair}: unknown field {given.strip()!r}; fields: {', '.join(ACCOUNT_MAP_FIELDS)}")
        out[column.strip()] = fld
    return out


_SPACES_RE = re.compile(r"\s+")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value)
    if text.isprintable() and "  " not in text:  # no tab, newline, no-break or repeated space: nothing to fold
        return text.strip()
    return _SPACES_RE.sub(" ", text).strip()


def _zip(value: Any) -> tuple[str | None, str | None]:
    """(zip5, problem), read by the project's one ZIP parser (leads.normalize.zip5): ZIP+4, an Excel number
    that lost its leading zeros, "VA 22101"."""
    from leads.normalize import zip5

    text = _text(value)
    if not text:
        return None, None
    found = zip5(value)
    if found:
        return found, None
    return None, f"zip {text!r} is not a US ZIP code"


def _padded(value: Any) -> bool:
    """A ZIP cell of 3 or 4 digits (an Excel number or text that lost its leading zeros)."""
    text = _text(value)
    return text.isdigit() and 3 <= len(text) <= 4


def _state(value: Any) -> tuple[str | None, str | None]:
    text = _text(value)
    if not text:
        return None, None
    return _state_of(text)


@functools.lru_cache(maxsize=4096)
def _state_of(text: str) -> tuple[str | None, str | None]:
    from leads.normalize import normalize_state

    code = normalize_state(text)
    if code and len(code) == 2 and code.isalpha():
        return code.upper(), None
    return None, f"state {text!r} is not a US state"


@functools.lru_cache(maxsize=50_000)
def state_of_zip(zip5: str) -> str | None:
    import zipcodes

    try:
        found = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    return found[0]["state"] if found else None


def _flag(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, bool):
        return value, None
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    return False, f"do-not-contact {text!r} is not yes/no"


def _coordinates(lat: Any, lon: Any) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, problem): both or neither; 0,0 (a geocoder's "not found") is no point."""
    a, b = _text(lat), _text(lon)
    if not a and not b:
        return None, None, None
    try:
        y, x = float(a.replace(",", ".")), float(b.replace(",", "."))
    except ValueError:
        return None, None, f"latitude/longitude {a!r}, {b!r} are not numbers"
    if not (-90 <= y <= 90 and -180 <= x <= 180):
        return None, None, f"latitude/longitude {a}, {b} are out of range"
    if y == 0 and x == 0:
        return None, None, None
    return y, x, None


def import_accounts(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
    before_switch: Callable[[int], None] | None = None,
    during_switch: Callable[[], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Create and update accounts from a CRM export, keyed by the account id.

    Ends the session's transaction once the current book is read, then writes through its own
    connection in short transactions (the switch at the end is the only one that changes accounts).
    ``progress(line, total_lines)`` is called as the file is read; ``after_batch(rows_staged)`` after
    each staged batch is committed (the CLI's test hook pauses there); ``before_switch(rows)`` before
    the one transaction that writes them into the book (others wait for that one), ``during_switch()``
    inside it before its commit (the CLI's test hook pauses there too). ``workers``:
    processes that check and normalize the rows (default: one per CPU for a file of ``PARALLEL_ROWS``
    lines or more, else this one).
    """
    require_manager(actor, "import the account book")
    table, columns = read_table(path, HEADER_SPEC, REQUIRED, overrides=mapping, sheet=sheet)
    report = ImportReport(
        path=str(path),
        sheet=table.sheet,
        encoding=table.encoding,
        columns={f: table.headers[i] for f, i in columns.items()},
    )
    reps = {name.lower(): rep_id for rep_id, name in session.execute(select(Rep.id, Rep.name))}
    existing: dict[str, str | None] = {
        ext: digest
        for ext, digest in session.connection().exec_driver_sql("SELECT external_id, import_hash FROM accounts")
    }
    # What the book holds is read: end this transaction so nobody waits on the import while it reads
    # and checks the file (on SQLite a write session holds the write lock from its first statement).
    bind = session.get_bind()
    session.commit()
    total_lines = _line_total(path, table.rows)
    check = _RowCheck(table, columns, reps, existing, normalize=not dry_run, dialect=bind.dialect)
    staging = None if dry_run else _Staging(bind, check.names)
    try:
        _read_rows(table, check, report, existing, staging, skip_invalid, progress, after_batch, total_lines, workers)
        if dry_run or staging is None or (report.invalid and not skip_invalid):
            return report
        staging.flush()
        if before_switch is not None:
            before_switch(staging.rows)
        report.new, report.changed = staging.switch(during_switch)
        report.applied = True
        return report
    finally:
        if staging is not None:
            staging.close()


def _line_total(path: Path, rows: Iterable[Any]) -> int:
    """How many lines the reader will go through: a workbook's rows are a list, a CSV's lines are counted."""
    if isinstance(rows, Sized):
        return len(rows) + 1
    with open(path, "rb") as fh:
        return max(1, sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")))


#: Files of at least this many lines are checked and normalized in forked worker processes, one per CPU
#: (most of an import's time is name and street normalization, see bench/import_speed.py).
PARALLEL_ROWS = 20_000
#: Rows sent to a worker at a time, and how many such chunks may be on their way at once (memory stays flat).
_WORK_CHUNK = 2_000
_IN_FLIGHT = 3

# One row checked: (line, account id or None when the row is rejected outright, problems, warnings, the owner
# warning, the too-long message, digest, the staged values or None when the row is unchanged or invalid).
_Checked = tuple[int, str | None, list[str], list[str], str | None, str | None, str | None, tuple[Any, ...] | None]


class _RowCheck:
    """What can be said of one row without looking at the others: its problems, warnings, digest and, when it
    is new or changed, its staged values with their normalized forms. Pure, so it runs in worker processes;
    duplicates and the counts are decided in file order by ``_read_rows``."""

    def __init__(
        self,
        table: Any,
        columns: dict[str, int],
        reps: dict[str, int],
        existing: dict[str, str | None],
        *,
        normalize: bool,
        dialect: Any,
    ) -> None:
        self.headers = list(table.headers)
        self.idx = {f: columns.get(f) for f in FIELDS}
        self.reps = reps
        self.existing = existing
        self.normalize = normalize
        # A column the file does not have leaves that field as it is (a partial export updates only
        # what it carries); the id and name are always present.
        field_of = {"zip5": "zip5", "owner_id": "owner", "do_not_contact": "do_not_contact"}
        every = [*FIELDS[:10], "owner_id", *FIELDS[11:]]
        self.kept = [k for k in every if self.idx[field_of.get(k, k)] is not None]
        derived = ["name_norm", "import_hash", "updated_at"]
        derived += [n for f, n in _NORMS if f in self.kept]
        self.names = [*self.kept, *derived]
        accounts = table_of(Account)
        bound = accounts.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
        now = clock.now()
        self.now = bound(now) if bound is not None else now
        self.place_norms: dict[tuple[str, str | None], str] = {}
        self.vendor_norms: dict[str, str] = {}

    def cell(self, row: list[Any], f: str) -> Any:
        i = self.idx[f]
        return row[i] if i is not None and i < len(row) else None

    def check(self, line: int, row: list[Any]) -> _Checked:
        from leads.normalize import normalize_address, normalize_city, normalize_name

        get = self.cell
        if any(isinstance(c, str) and "\x00" in c for c in row):
            nul = [self._header(i) for i, c in enumerate(row) if isinstance(c, str) and "\x00" in c]
            return line, None, [f"NUL byte in {', '.join(nul)} (a damaged value)"], [], None, None, None, None
        ext = _text(get(row, "external_id"))
        name = _text(get(row, "name"))
        problems: list[str] = []
        warnings: list[str] = []
        if not ext:
            problems.append("no account id")
        if not name:
            problems.append("no account name")
        zip5, p = _zip(get(row, "zip5"))
        problems += [p] if p else []
        state, p = _state(get(row, "state"))
        if p and zip5 and state_of_zip(zip5):
            # CRM exports put counties or cities in the state column; the ZIP says where it is.
            state = state_of_zip(zip5)
            warnings.append(f"{p}: used {state} from ZIP {zip5}")
        elif p:
            problems.append(p)
        if zip5 and state and _padded(get(row, "zip5")):
            # 6810 for Omaha NE is not 06810 (a Connecticut ZIP): a ZIP that lost its leading zeros is kept
            # only where its state agrees with the row's.
            where = state_of_zip(zip5)
            if where and where != state:
                warnings.append(
                    f"zip {_text(get(row, 'zip5'))!r} read as {zip5} is in {where}, not {state}: imported without a ZIP"
                )
                zip5 = None
        dnc, p = _flag(get(row, "do_not_contact"))
        problems += [p] if p else []
        lat, lon, p = _coordinates(get(row, "lat"), get(row, "lon"))
        problems += [p] if p else []
        for fld, value in (("external_id", ext), ("name", name)):
            if len(value) > LIMITS[fld]:
                problems.append(f"{fld} longer than {LIMITS[fld]} characters")
        if problems:
            return line, ext, problems, warnings, None, None, None, None
        owner_name = _text(get(row, "owner"))
        owner_id = self.reps.get(owner_name.lower()) if owner_name else None
        owner_warning = None
        if owner_name and owner_id is None:
            owner_warning = f"owner {owner_name!r} is not a rep: imported without an owner"
        every: dict[str, Any] = {
            "external_id": ext,
            "name": name,
            "address": _text(get(row, "address")) or None,
            "city": _text(get(row, "city")) or None,
            "state": state,
            "zip5": zip5,
            "industry": _text(get(row, "industry")) or None,
            "incumbent_vendor": _text(get(row, "incumbent_vendor")) or None,
            "phone": _text(get(row, "phone")) or None,
            "website": _text(get(row, "website")) or None,
            "owner_id": owner_id,
            "do_not_contact": dnc,
            "lat": lat,
            "lon": lon,
        }
        values = {k: every[k] for k in self.kept}
        too_long = [k for k, v in values.items() if isinstance(v, str) and k in LIMITS and len(v) > LIMITS[k]]
        if too_long:
            message = "; ".join(f"{k} longer than {LIMITS[k]} characters" for k in too_long)
            return line, ext, [], warnings, owner_warning, message, None, None
        digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
        if not self.normalize or self.existing.get(ext) == digest:
            return line, ext, [], warnings, owner_warning, None, digest, None
        derived: list[Any] = [normalize_name(name), digest, self.now]
        if "incumbent_vendor" in values:
            vendor = values["incumbent_vendor"] or ""
            norm = self.vendor_norms.get(vendor)
            if norm is None:
                norm = self.vendor_norms[vendor] = normalize_name(vendor)
            derived.append(norm)
        if "address" in values:
            derived.append(normalize_address(values["address"] or ""))
        if "city" in values:
            place = (values["city"] or "", state)
            norm = self.place_norms.get(place)
            if norm is None:
                norm = self.place_norms[place] = normalize_city(*place)
            derived.append(norm)
        return line, ext, [], warnings, owner_warning, None, digest, (*values.values(), *derived)

    def check_all(self, rows: list[tuple[int, list[Any]]]) -> list[_Checked]:
        return [self.check(line, row) for line, row in rows]

    def _header(self, i: int) -> str:
        return repr(self.headers[i]) if i < len(self.headers) else f"column {i + 1}"


class _BookMoved(Exception):
    """The book changed under the import between its reading and its switch."""


#: The normalized column each imported field carries, in the staged column order.
_NORMS = (("incumbent_vendor", "vendor_norm"), ("address", "address_norm"), ("city", "city_norm"))


# The check of the import being read, for forked workers (they inherit it; nothing is pickled but rows).
_CHECK: _RowCheck | None = None


def _check_in_worker(rows: list[tuple[int, list[Any]]]) -> list[_Checked]:
    assert _CHECK is not None
    return _CHECK.check_all(rows)


def _checked_rows(table: Any, check: _RowCheck, total_lines: int, workers: int | None) -> Iterator[_Checked]:
    """Every data row checked, in file order: in this process for a small file, else in forked workers."""
    from leads.matching.sites import can_fork, cpus

    if workers is None:
        workers = cpus() if total_lines >= PARALLEL_ROWS else 1
    if workers <= 1 or not can_fork():
        for line, row in table.rows:
            yield check.check(line, row)
        return
    import multiprocessing
    from collections import deque
    from itertools import islice

    global _CHECK
    _CHECK = check
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            rows = iter(table.rows)
            waiting: deque[Any] = deque()
            while True:
                while len(waiting) < _IN_FLIGHT * workers and (chunk := list(islice(rows, _WORK_CHUNK))):
                    waiting.append(pool.apply_async(_check_in_worker, (chunk,)))
                if not waiting:
                    break
                yield from waiting.popleft().get()
    finally:
        _CHECK = None


def _read_rows(
    table: Any,
    check: _RowCheck,
    report: ImportReport,
    existing: dict[str, str | None],
    staging: _Staging | None,
    skip_invalid: bool,
    progress: Callable[[int, int], None] | None,
    after_batch: Callable[[int], None] | None,
    total_lines: int,
    workers: int | None,
) -> None:
    """The rows in file order: duplicates (an id seen on an earlier valid row), counts, staging."""
    seen: dict[str, int] = {}
    last_line = 0
    for line, ext, problems, warnings, owner_warning, too_long, digest, values in _checked_rows(
        table, check, total_lines, workers
    ):
        last_line = line
        if progress is not None and line % 1000 == 0:
            progress(line, total_lines)
        report.warnings += [(line, w) for w in warnings]
        if ext and ext in seen:
            problems = [f"duplicate account id {ext!r} (first on line {seen[ext]})", *problems]
        if problems:
            report.invalid.append((line, "; ".join(problems)))
            continue
        assert ext is not None
        if owner_warning:
            report.warnings.append((line, owner_warning))
        if too_long:
            report.invalid.append((line, too_long))
            continue
        seen[ext] = line
        if ext in existing and existing[ext] == digest:
            report.unchanged += 1
            continue
        if ext in existing:
            report.changed += 1
        else:
            report.new += 1
        # Staged as we go so memory stays flat; once a row is invalid (and not skipped) nothing
        # will be switched in, so staging stops and the rest is only checked.
        if staging is not None and not (report.invalid and not skip_invalid):
            assert values is not None
            if staging.add(values, ext not in existing) and after_batch is not None:
                after_batch(staging.rows)
    if progress is not None:
        progress(last_line, last_line)


class _Staging:
    """An import's rows on their way in: a temporary table of one connection of the importer's own.

    Each batch is its own short transaction (on SQLite the write lock is held for that batch only),
    invisible to everyone else; ``switch`` moves them into ``accounts`` in one transaction (update
    the ids the book has now, insert the others), so the book changes all at once or not at all. An
    interrupted import leaves nothing: a temporary table ends with its connection.
    """

    def __init__(self, bind: Engine | Connection, names: list[str]) -> None:
        engine = bind.engine if isinstance(bind, Connection) else bind
        # Writes on SQLite begin with BEGIN IMMEDIATE unless told otherwise (leads.db); the switch
        # must, the batches too (a deferred write transaction can fail to upgrade its lock).
        self.conn = engine.connect().execution_options(sqlite_read_only=False)
        accounts = table_of(Account)
        self.names = names
        self.table = Table(
            "accounts_import",
            MetaData(),
            *(Column(n, accounts.c[n].type) for n in names),
            Column("import_new", Boolean),  # not in the book when the import read it
            prefixes=["TEMPORARY"],
        )
        marks = ", ".join(["?" if engine.dialect.paramstyle == "qmark" else "%s"] * (len(names) + 1))
        # The driver's executemany on plain tuples: no per-row parameter handling by SQLAlchemy.
        self.insert_sql = f"INSERT INTO accounts_import ({', '.join(names)}, import_new) VALUES ({marks})"
        self.created = False
        self.pending: list[tuple[Any, ...]] = []
        self.rows = 0
        self.changed = 0

    def add(self, values: tuple[Any, ...], new: bool) -> bool:
        """Stage one row (``new``: its id was not in the book when the import read it); True when that
        completed a batch (written and committed)."""
        self.pending.append((*values, new))
        self.changed += not new
        if len(self.pending) < CHUNK:
            return False
        self.flush()
        return True

    def flush(self) -> None:
        if not self.pending:
            return
        if not self.created:
            with self.conn.begin():
                self.table.create(self.conn)
            self.created = True
        with self.conn.begin():
            self.conn.exec_driver_sql(self.insert_sql, self.pending)
        self.rows += len(self.pending)
        self.pending = []

    def switch(self, during: Callable[[], None] | None = None) -> tuple[int, int]:
        """(inserted, updated), in one transaction; ``during()`` is called inside it, before the commit."""
        if not self.created:
            return 0, 0
        if self.conn.dialect.name == "sqlite":
            # The switch is the one transaction others wait for: keep the book's pages it touches in memory
            # (a million accounts and their indexes are about 400 MB on disk) rather than spill and re-read them.
            # (On the driver's connection: a statement through SQLAlchemy would begin a transaction.)
            driver: Any = self.conn.connection.driver_connection
            driver.execute(f"PRAGMA cache_size = -{SWITCH_CACHE_KIB}")
        try:
            with self.conn.begin():
                updated = self._apply_as_read(during)
        except (IntegrityError, _BookMoved):
            # Another import added or changed these accounts since this one read the book: match by id now.
            with self.conn.begin():
                updated = self._apply_by_id(during)
        return self.rows - updated, updated

    def _apply_as_read(self, during: Callable[[], None] | None) -> int:
        """Update the accounts that were in the book when it was read, insert the others: no look-up per row
        (the unique account id refuses a row someone else inserted meanwhile)."""
        accounts, staged = table_of(Account), self.table
        if self.changed:
            done = self.conn.execute(
                update(accounts)
                .where(staged.c.import_new.is_(False), accounts.c.external_id == staged.c.external_id)
                .values({n: staged.c[n] for n in self.names if n != "external_id"})
            )
            if done.rowcount != self.changed:
                raise _BookMoved
        if self.rows > self.changed:
            fresh = select(*(staged.c[n] for n in self.names), staged.c.updated_at).where(staged.c.import_new.is_(True))
            self.conn.execute(insert(accounts).from_select([*self.names, "created_at"], fresh))
        if during is not None:
            during()
        return self.changed

    def _apply_by_id(self, during: Callable[[], None] | None) -> int:
        accounts, staged = table_of(Account), self.table
        known = exists().where(accounts.c.external_id == staged.c.external_id)
        # Counted, not read from rowcount (psycopg reports -1 for INSERT ... SELECT).
        updated = self.conn.scalar(select(func.count()).select_from(staged).where(known)) or 0
        self.conn.execute(
            update(accounts)
            .where(accounts.c.external_id == staged.c.external_id)
            .values({n: staged.c[n] for n in self.names if n != "external_id"})
        )
        fresh = select(*(staged.c[n] for n in self.names), staged.c.updated_at).where(~known)
        self.conn.execute(insert(accounts).from_select([*self.names, "created_at"], fresh))
        if during is not None:
            during()
        return updated

    def close(self) -> None:
        try:
            if self.created and not self.conn.closed:
                with self.conn.begin():
                    self.table.drop(self.conn)
        finally:
            self.conn.close()


ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "address",
    "city",
    "state",
    "zip",
    "industry",
    "incumbent_vendor",
    "owner",
    "do_not_contact",
    "phone",
    "website",
]


def _accounts_query(
    *,
    state: str | None = None,
    owner: str | None = None,
    vendor: str | None = None,
    search: str | None = None,
    dnc: bool | None = None,
):
    q = select(Account, Rep.name).outerjoin(Rep, Account.owner_id == Rep.id).order_by(Account.name, Account.id)
    if state:
        q = q.where(Account.state == state.upper())
    if owner:
        q = q.where(func.lower(Rep.name) == owner.lower())
    if vendor:
        q = q.where(contains(Account.incumbent_vendor, vendor))
    if search:
        # A rep types part of a name or of an id ("ACME" finds "ACME-011" and "Acme Foods"), any case.
        q = q.where(or_(contains(Account.name, search.strip()), contains(Account.external_id, search.strip())))
    if dnc is not None:
        q = q.where(Account.do_not_contact.is_(dnc))
    return q


def count_accounts(session: Session, **filters: Any) -> int:
    """How many accounts the filters match (list_accounts without its limit)."""
    from leads.queries import count_rows

    return count_rows(session, _accounts_query(**filters))


def list_accounts(
    session: Session,
    *,
    state: str | None = None,
    owner: str | None = None,
    vendor: str | None = None,
    search: str | None = None,
    dnc: bool | None = None,
    limit: int | None = 100,
) -> list[dict[str, Any]]:
    q = _accounts_query(state=state, owner=owner, vendor=vendor, search=search, dnc=dnc)
    if limit:
        q = q.limit(limit)
    return [
        {
            "account_id": a.external_id,
            "name": a.name,
            "address": a.address,
            "city": a.city,
            "state": a.state,
            "zip": a.zip5,
            "industry": a.industry,
            "incumbent_vendor": a.incumbent_vendor,
            "owner": owner_name,
            "do_not_contact": a.do_not_contact,
            "phone": a.phone,
            "website": a.website,
        }
        for a, owner_name in session.execute(q)
    ]
