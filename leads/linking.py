"""CSV-to-CSV record linkage, the service behind ``leads link LEFT.csv RIGHT.csv --out pairs.csv``.

Both files are normalized and scored like the engine's account_closing link (name + street address,
city/postcode/state agreement, coordinates when both files have them; see leads.matching.scoring), then judged
by how common each name and address is in the two files (leads.matching.frequency). By default each record is in
at most one pair: two directories of distinct businesses describe each business once. Nothing is written unless
the whole run succeeds.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from leads.errors import InputError
from leads.matching.records import DEFAULT_THRESHOLDS
from leads.matching.scoring import Site, prepare_site
from leads.matching.sites import can_fork, cpus, link_sites
from leads.normalize import (
    address_postcode,
    normalize_address,
    normalize_city,
    normalize_name,
    normalize_state,
    postcode,
)


class LinkError(InputError, ValueError):
    """A file given to ``leads link`` cannot be used; the message names the file and the problem."""


#: Header names accepted for each field (compared lower case, with spaces, dashes and underscores ignored).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "recordid", "key", "externalid", "accountid"),
    "name": ("name", "company", "companyname", "businessname", "legalname", "accountname"),
    "dba": ("dba", "dbaname", "doingbusinessas", "doingbusinessasname", "tradename"),
    "address": ("address", "addr", "street", "streetaddress", "address1", "addressline1"),
    "city": ("city", "town"),
    "state": ("state", "st", "stateprovince"),
    "zip": ("zip", "zip5", "zipcode", "postalcode", "postcode"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
}
REQUIRED = ("id", "name")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LinkSummary:
    """What ``link_csv`` did, for the CLI to print."""

    left_rows: int
    right_rows: int
    candidate_pairs: int
    pairs_written: int
    threshold: float
    one_to_one: bool
    with_coordinates: bool
    seconds: float
    out_path: str

    def as_dict(self) -> dict:
        return asdict(self)


def _alias_pattern(alias: str) -> str:
    """'recordid' -> a pattern for the header key of 'Record ID', 'record_id', 'RecordId' (see header_key)."""
    return "^" + r"\s?".join(re.escape(ch) for ch in alias) + "$"


#: COLUMN_ALIASES as header patterns for leads.tables.read_table (the shared vocabulary comes after them).
LINK_SPEC: dict[str, list[str]] = {fld: [_alias_pattern(a) for a in aliases] for fld, aliases in COLUMN_ALIASES.items()}


def detect_columns(header: list[str]) -> dict[str, int]:
    """field -> column: the aliases above first, then the shared header vocabulary (leads/vocabulary.py)."""
    from leads.tables import match_headers

    return match_headers(header, LINK_SPEC)


#: Files of at least this many rows are normalized in forked worker processes, one per CPU (``leads link`` of
#: 200,000 records spends most of its reading time normalizing names and street lines).
PARALLEL_ROWS = 20_000
#: Rows sent to a worker at a time.
_CHUNK = 5_000

_Raw = tuple[str, str, str, str, str, str, float | None, float | None]


def read_records(path: str | os.PathLike[str], workers: int | None = None) -> list[tuple[str, Site]]:
    """(id, prepared site) per data row of a CSV or XLSX file with at least id and name columns.

    Read by leads.tables.read_table, the reader `leads accounts import` uses: the same encodings (UTF-8,
    UTF-16 with a BOM, Windows-1252), delimiters, header row search and workbook limits. ``workers``: processes
    that normalize the rows (default: one per CPU for files of ``PARALLEL_ROWS`` rows or more, else this one).
    """
    from leads.tables import read_table

    p = Path(path)
    try:
        table, cols = read_table(
            p,
            LINK_SPEC,
            REQUIRED,
            hint="the file needs an id and a name column (`leads link --help` lists the names read)",
        )
        at = [cols.get(fld, -1) for fld in ("id", "name", "dba", "address", "city", "state", "zip", "lat", "lon")]
        ids: list[str] = []
        raw: list[_Raw] = []
        seen: dict[int | str, int] = {}
        for line, row in table.rows:
            n = len(row)
            rid, name, dba, address, city, state, zip_, lat, lon = [
                ((c.strip() if type(c) is str else _text(c)) if 0 <= i < n and (c := row[i]) is not None else "")
                for i in at
            ]
            if not rid:
                raise LinkError(f"{p}: line {line} has no id")
            if rid in seen:
                raise LinkError(f"{p}: id {rid!r} on line {line} is already used on line {seen[rid]}")
            seen[rid] = line
            ids.append(rid)
            raw.append((name, dba, address, city, state, zip_, *_coordinates(p, line, lat, lon)))
    except LinkError:
        raise
    except InputError as exc:
        raise LinkError(str(exc)) from None
    return list(zip(ids, _prepare_all(raw, workers), strict=True))


def _prepare_all(raw: list[_Raw], workers: int | None) -> list[Site]:
    if workers is None:
        workers = cpus() if len(raw) >= PARALLEL_ROWS else 1
    if workers <= 1 or len(raw) < 2 or not can_fork():
        return _prepare_chunk(raw)
    import multiprocessing

    size = max(1, min(_CHUNK, -(-len(raw) // (4 * workers))))
    chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [site for part in pool.map(_prepare_chunk, chunks, chunksize=1) for site in part]


def _prepare_chunk(raw: list[_Raw]) -> list[Site]:
    """Normalized, prepared sites of raw rows; city, state and postcode cells normalized once per distinct value
    (a directory has a few hundred cities and ZIPs for 200,000 rows)."""
    places: dict[tuple[str, str], tuple[str, str]] = {}
    codes: dict[str, str] = {}
    out = []
    for name, dba, address, city, state, zip_, lat, lon in raw:
        where = places.get((city, state))
        if where is None:
            st = normalize_state(state)
            where = places[(city, state)] = (normalize_city(city, st), st)
        code = codes.get(zip_)
        if code is None:
            code = codes[zip_] = postcode(zip_)
        out.append(
            prepare_site(
                normalize_name(name, dba),
                normalize_address(address),
                where[0],
                where[1],
                code or address_postcode(address),
                lat,
                lon,
            )
        )
    return out


def _text(value: object) -> str:
    """A cell as text: XLSX numbers without a trailing '.0' (an id 1042 stays '1042')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _coordinates(path: Path, line: int, lat: str, lon: str) -> tuple[float | None, float | None]:
    """Latitude and longitude of a row, both or neither (0,0 and empty cells are "no coordinates")."""
    if not lat and not lon:
        return None, None
    try:
        y, x = float(lat), float(lon)
    except ValueError:
        raise LinkError(f"{path}: line {line}: latitude/longitude {lat!r}, {lon!r} are not numbers") from None
    if not (-90 <= y <= 90 and -180 <= x <= 180):
        raise LinkError(f"{path}: line {line}: latitude/longitude {lat}, {lon} are out of range")
    if y == 0 and x == 0:
        return None, None
    return y, x


def _cell(value: str) -> str:
    """An id a spreadsheet would run as a formula gets a ' in front (numbers such as -12 stay as they are)."""
    if value.startswith(_FORMULA_PREFIXES):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def link_csv(
    left_path: str | os.PathLike[str],
    right_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    threshold: float | None = None,
    one_to_one: bool = True,
) -> LinkSummary:
    """Write ``left_id,right_id,score,carried_by,weakened_by,distance_miles`` for every pair scoring at least
    ``threshold`` (default: the accept threshold, 78). ``one_to_one`` (the default) keeps each id in at most one
    pair, best score first (greedy; see :func:`leads.matching.sites.greedy_one_to_one`); False writes every pair
    (a list with duplicates, or branches linked to their head office). Rows are ordered by left id position,
    then falling score. ``carried_by``/``weakened_by`` list the evidence that made and that lowered the score,
    separated by "; " (leads.matching.frequency.judge).

    Raises :class:`LinkError` (a ``ValueError``) naming the file for a missing or unreadable file, a file
    without id or name column, an undecodable encoding, empty or duplicate ids.
    """
    t0 = time.perf_counter()
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS.accept
    if not 0 <= threshold <= 100:
        raise LinkError(f"threshold {threshold} is outside 0-100")
    left = read_records(left_path)
    right = read_records(right_path)
    evidence: dict = {}
    pairs, scored = link_sites(
        [s for _, s in left], [s for _, s in right], threshold, one_to_one=one_to_one, evidence=evidence
    )
    out = Path(out_path)
    if not out.parent.exists():
        raise LinkError(f"{out}: the folder {out.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".link-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(["left_id", "right_id", "score", "carried_by", "weakened_by", "distance_miles"])
            for i, j, s in pairs:
                ev = evidence.get((i, j), {})
                dist = ev.get("distance_miles")
                w.writerow(
                    [
                        _cell(left[i][0]),
                        _cell(right[j][0]),
                        f"{s:.1f}",
                        "; ".join(ev.get("carried_by", ())),
                        "; ".join(ev.get("weakened_by", ())),
                        "" if dist is None else f"{dist:.2f}",
                    ]
                )
        os.replace(tmp, out)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise LinkError(f"{out}: cannot write the output ({exc.strerror or exc})") from None
    return LinkSummary(
        left_rows=len(left),
        right_rows=len(right),
        candidate_pairs=scored,
        pairs_written=len(pairs),
        threshold=threshold,
        one_to_one=one_to_one,
        with_coordinates=any(s.lat is not None for _, s in left) and any(s.lat is not None for _, s in right),
        seconds=round(time.perf_counter() - t0, 3),
        out_path=str(out),
    )
