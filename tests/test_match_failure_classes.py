"""Each failure class of issue 9 on real records, through ``leads.linking.link_csv`` (what ``leads link`` runs).

Rows come from real files: the Chicago business licences extract and the IRS exempt organizations of DC
(bench/data/businesses), the Fodor's and Zagat's guides (tests/files/linking) and the City of Chicago closures
slice with its licence coordinates (tests/files/chicago_licenses/sample.closures.csv, a byte copy). Variations
(an address written in another order, a withheld address, coordinates moved) are derived here from those rows.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest

from leads.linking import link_csv
from leads.normalize import address_postcode, normalize_address, postcode
from tests.helpers import FILES

ROOT = Path(__file__).resolve().parent.parent
BUSINESSES = ROOT / "bench" / "data" / "businesses"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path)


def link(tmp_path: Path, header, left_rows, right_rows, **kw) -> list[dict[str, str]]:
    left = write_csv(tmp_path / "left.csv", header, left_rows)
    right = write_csv(tmp_path / "right.csv", header, right_rows)
    out = tmp_path / "pairs.csv"
    link_csv(left, right, out, **kw)
    with open(out, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def licences() -> list[dict[str, str]]:
    with open(BUSINESSES / "chicago_licenses.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def chain_branches(min_sites: int = 3) -> tuple[str, list[dict[str, str]]]:
    """The DBA name with the most distinct addresses in the licence extract (7-ELEVEN), one row per address."""
    by_name: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for r in licences():
        by_name[r["dba_name"]].setdefault(r["address"], r)
    name, sites = max(by_name.items(), key=lambda kv: len(kv[1]))
    assert len(sites) >= min_sites
    return name, list(sites.values())


HEADER = ["id", "name", "address", "city", "state", "zip"]


def row(i: str, r: dict[str, str], address: str | None = None, name: str | None = None) -> list[str]:
    return [i, name or r["dba_name"], r["address"] if address is None else address, r["city"], r["state"], r["zip"]]


def test_a_chain_branch_at_another_address_is_not_linked(tmp_path) -> None:
    name, branches = chain_branches()
    a, b, c = branches[:3]
    pairs = link(tmp_path, HEADER, [row("L1", a), row("L2", b)], [row("R1", c)])
    assert pairs == []  # same name, three different addresses: three stores
    pairs = link(tmp_path, HEADER, [row("L1", a), row("L2", b)], [row("R1", b)])
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("L2", "R1")]
    assert "same street" in pairs[0]["carried_by"]
    assert "common name (2 places)" in pairs[0]["weakened_by"]


def test_a_chain_name_without_address_goes_nowhere_and_says_why(tmp_path) -> None:
    name, branches = chain_branches()
    left = [row(f"L{k}", r) for k, r in enumerate(branches[:4])]
    no_address = [row("R1", branches[0], address="")]
    right_zip = [branches[0]["zip"]]
    assert link(tmp_path, HEADER, left, [no_address[0][:5] + [""]]) == []  # no address, no postcode: which store?
    # With the postcode it agrees with the one branch in that postcode (the others are elsewhere in Chicago).
    same_zip = [r for r in branches[:4] if r["zip"] == right_zip[0]]
    pairs = link(tmp_path, HEADER, left, no_address)
    if len(same_zip) == 1:
        assert [(p["left_id"], p["right_id"]) for p in pairs] == [("L0", "R1")]
        assert "same postcode" in pairs[0]["carried_by"] and "no address" in pairs[0]["weakened_by"]
    # Below the accept threshold, the review band says what weakened it.
    loose = link(tmp_path, HEADER, left, [no_address[0][:5] + [""]], threshold=65)
    assert loose and all("common name" in p["weakened_by"] and "no address" in p["weakened_by"] for p in loose)


def irs_rows_at(street: str) -> list[dict[str, str]]:
    with open(BUSINESSES / "irs_eo_dc.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["street"] == street]


def test_two_organizations_at_one_registered_agent_address_are_not_linked(tmp_path) -> None:
    # 800 MAINE AVE SW STE 800: four unrelated organizations registered at one suite.
    orgs = irs_rows_at("800 MAINE AVE SW STE 800")
    assert len({r["name"] for r in orgs}) >= 4
    header = ["id", "name", "address", "city", "state", "zip"]
    rows = [[f"{k}", r["name"], r["street"], r["city"], r["state"], r["zip"]] for k, r in enumerate(orgs)]
    pairs = link(tmp_path, header, rows[:2], rows[2:])
    assert pairs == []
    # The same organization on both sides still links, and the evidence says the address was not what carried it.
    pairs = link(tmp_path, header, rows[:2], rows[1:2])
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("1", "1")]
    assert "rare name" in pairs[0]["carried_by"]


def test_a_shared_address_is_named_as_weak_evidence(tmp_path) -> None:
    orgs = irs_rows_at("800 MAINE AVE SW STE 800")
    left = [[f"L{k}", r["name"], r["street"], r["city"], r["state"], r["zip"]] for k, r in enumerate(orgs)]
    epscor = next(r for r in orgs if r["name"] == "EPSCOR FOUNDATION")
    # The directory spells the suite out; the name alone has to say which of the four it is.
    right = [["R1", "Epscor Foundation", "800 Maine Avenue SW, Suite 800", "Washington", "DC", epscor["zip"]]]
    pairs = link(tmp_path, HEADER, left, right)
    assert [(p["right_id"], orgs[int(p["left_id"][1:])]["name"]) for p in pairs] == [("R1", "EPSCOR FOUNDATION")]
    assert "shared address (3 businesses)" in pairs[0]["weakened_by"]  # the EPSCoR coalition and foundation read as one
    # "Coalition of EPSCoR States" at the same suite shares the distinctive word but is another organization.
    right = [["R1", "EPSCoR Coalition", "800 Maine Avenue SW, Suite 800", "Washington", "DC", epscor["zip"]]]
    assert all(orgs[int(p["left_id"][1:])]["name"] != "EPSCOR FOUNDATION" for p in link(tmp_path, HEADER, left, right))


def fodors_zagat() -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    def read(name):
        with open(FILES / "linking" / name, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        return rows[0], {r[0]: r for r in rows[1:]}

    header, fodors = read("fodors.csv")
    _, zagats = read("zagats.csv")
    return fodors, zagats, header


def test_main_street_12_links_to_12_main_st(tmp_path) -> None:
    assert normalize_address("Main Street, 12") == normalize_address("12 Main St") == "12 main st"
    assert normalize_address("East Carson Street, 1107") == normalize_address("1107 E Carson St")
    fodors, zagats, header = fodors_zagat()
    f, z = fodors["535"], zagats["220"]  # arts delicatessen / arts deli, 12224 ventura blvd.
    number, street = f[2].split(" ", 1)
    swapped = f[:2] + [f"{street.title()}, {number}"] + f[3:]  # "Ventura Blvd., 12224"
    pairs = link(tmp_path, header, [swapped], [z])
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("535", "220")]
    assert "same street" in pairs[0]["carried_by"]


def test_a_rare_name_without_address_links(tmp_path) -> None:
    fodors, zagats, header = fodors_zagat()
    addr = header.index("addr")
    z = list(zagats["222"])  # cafe bizou, 14016 ventura blvd.
    z[addr] = ""
    others = [fodors[k] for k in ("535", "536", "589")]
    pairs = link(tmp_path, header, [fodors["537"], *others], [z])
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("537", "222")]
    assert "rare name" in pairs[0]["carried_by"] and "no address" in pairs[0]["weakened_by"]


def closures() -> list[dict[str, str]]:
    with open(FILES / "chicago_licenses" / "sample.closures.csv", newline="", encoding="utf-8") as fh:
        seen, out = set(), []
        for r in csv.DictReader(fh):
            if r["ACCOUNT NUMBER"] not in seen:
                seen.add(r["ACCOUNT NUMBER"])
                out.append(r)
        return out


XY = ["id", "name", "dba", "address", "zip", "lat", "lon"]


def test_coordinates_are_evidence_when_present(tmp_path) -> None:
    katana = next(r for r in closures() if r["DOING BUSINESS AS NAME"] == "KATANA")
    left = [["acct", katana["LEGAL NAME"], katana["DOING BUSINESS AS NAME"], katana["ADDRESS"], "", katana["LATITUDE"],
             katana["LONGITUDE"]]]  # fmt: skip
    # A directory lists the restaurant by its trade name with a map point and no street or postcode.
    here = [["dir", "Katana", "", "", "", katana["LATITUDE"], katana["LONGITUDE"]]]
    pairs = link(tmp_path, XY, left, here)
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("acct", "dir")]
    assert "distance" in pairs[0]["carried_by"] and float(pairs[0]["distance_miles"]) == 0.0
    # The same name a few miles away (the point moved 0.05 degrees north, about 3.5 miles) is another place.
    far = [["dir", "Katana", "", "", "", f"{float(katana['LATITUDE']) + 0.05:.9f}", katana["LONGITUDE"]]]
    assert link(tmp_path, XY, left, far) == []
    loose = link(tmp_path, XY, left, far, threshold=0)
    assert loose and "miles apart" in loose[0]["weakened_by"] and float(loose[0]["distance_miles"]) > 3


def test_coordinates_find_a_pair_whose_names_share_no_key(tmp_path) -> None:
    # Coordinates are a block key too: the two Katana records meet through their map cell.
    katana = next(r for r in closures() if r["DOING BUSINESS AS NAME"] == "KATANA")
    nacional = next(r for r in closures() if r["LEGAL NAME"].startswith("NACIONAL"))
    left = [[r["ACCOUNT NUMBER"], r["LEGAL NAME"], r["DOING BUSINESS AS NAME"], r["ADDRESS"], r["ZIP CODE"],
             r["LATITUDE"], r["LONGITUDE"]] for r in (katana, nacional)]  # fmt: skip
    right = [["dir", "Katana Sushi", "", "", "", katana["LATITUDE"], katana["LONGITUDE"]]]
    pairs = link(tmp_path, XY, left, right)
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [(katana["ACCOUNT NUMBER"], "dir")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M5V2T6", "M5V 2T6"), ("eh1 1aa", "EH1 1AA"), ("20032-1501", "20032"), ("101790001", "10179"), ("", "")],
)
def test_postcodes_of_several_countries(raw: str, expected: str) -> None:
    assert postcode(raw) == expected


def test_postcode_read_from_the_address_line() -> None:
    # zomato_yelp writes the ZIP in the address; a five-digit house number is never taken for one.
    assert address_postcode("15 Romolo Pl, San Francisco, CA 94133") == "94133"
    assert address_postcode("123 Queen St W, Toronto, ON M5V 2T6") == "M5V 2T6"
    assert address_postcode("22211 W Interstate 10") == ""


def test_many_to_many_is_a_choice(tmp_path) -> None:
    name, branches = chain_branches()
    a = branches[0]
    left = [row("L1", a), row("L2", a, name=a["legal_name"])]
    one = link(tmp_path, HEADER, left, [row("R1", a)])
    many = link(tmp_path, HEADER, left, [row("R1", a)], one_to_one=False)
    assert len(one) == 1 and len(many) >= len(one)
