"""CSV-to-CSV record linkage, the service behind ``leads link LEFT.csv RIGHT.csv --out pairs.csv``.

Both files are normalized and scored like the engine's account_closing link (name + street address,
city/postcode/state agreement, coordinates when both files have them; see leads.matching.scoring), then judged
by how common each name and address is in the two files (leads.matching.frequency). By default each record is in
at most one pair: two directories of distinct businesses describe each business once. Nothing is written unless
the whole run succeeds.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from leads.errors import InputError
from leads.matching.records import DEFAULT_THRESHOLDS
from leads.matching.scoring import Site, prepare_site
from leads.matching.sites import link_sites
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


def _header_key(h: str) -> str:
    return "".join(c for c in h.strip().lower() if c.isalnum())


def detect_columns(header: list[str]) -> dict[str, int]:
    """field -> column: the aliases above first, then the shared header vocabulary (leads/vocabulary.py)."""
    from leads.vocabulary import IMPORTER_FIELDS, match_fields

    by_key: dict[str, int] = {}
    for i, h in enumerate(header):
        by_key.setdefault(_header_key(h), i)
    cols: dict[str, int] = {}
    for fld, aliases in COLUMN_ALIASES.items():
        for a in aliases:
            if a in by_key and by_key[a] not in cols.values():
                cols[fld] = by_key[a]
                break
    rest: dict[str, list[str]] = {fld: [] for fld in COLUMN_ALIASES if fld not in cols and fld in IMPORTER_FIELDS}
    cols.update(match_fields(header, rest, aliases=IMPORTER_FIELDS, taken=cols.values(), loose=False))
    return cols


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise LinkError(f"{path}: not a text CSV file (it contains NUL bytes: binary, or UTF-16 text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # Spreadsheet exports on Windows: cp1252 leaves only five byte values undefined.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise LinkError(
            f"{path}: cannot decode the file as UTF-8 or Windows-1252 "
            f"(bad byte at position {utf8_error.start}); save it as UTF-8 CSV"
        ) from None


def read_records(path: str | os.PathLike[str]) -> list[tuple[str, Site]]:
    """(id, prepared site) per data row of a CSV file with at least id and name columns."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise LinkError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise LinkError(f"{p}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise LinkError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    text = _decode(p, data)
    if not text.strip():
        raise LinkError(f"{p}: the file is empty (expected a header row with id and name columns)")
    # The header line tells the delimiter (CompanyData exports use ";"); quoting stays standard CSV.
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
        cols = detect_columns(header)
        missing = [f for f in REQUIRED if f not in cols]
        if missing:
            shown = ", ".join(repr(h) for h in header[:12]) + (", ..." if len(header) > 12 else "")
            raise LinkError(f"{p}: no {' or '.join(repr(m) for m in missing)} column in the header (found {shown})")
        records: list[tuple[str, Site]] = []
        seen: dict[str, int] = {}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num

            def get(fld: str, row: list[str] = row) -> str:
                i = cols.get(fld)
                return row[i].strip() if i is not None and i < len(row) else ""

            rid = get("id")
            if not rid:
                raise LinkError(f"{p}: line {line} has no id")
            if rid in seen:
                raise LinkError(f"{p}: id {rid!r} on line {line} is already used on line {seen[rid]}")
            seen[rid] = line
            state = normalize_state(get("state"))
            address = get("address")
            site = prepare_site(
                normalize_name(get("name"), get("dba")),
                normalize_address(address),
                normalize_city(get("city"), state),
                state,
                postcode(get("zip")) or address_postcode(address),
                *_coordinates(p, line, get("lat"), get("lon")),
            )
            records.append((rid, site))
    except csv.Error as exc:
        raise LinkError(f"{p}: not a readable CSV file (line {reader.line_num}: {exc})") from None
    return records


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
