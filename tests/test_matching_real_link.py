"""`leads link` through the real CLI on real records of every failure class of issue 9, in one run.

Left and right are two directories made of real rows: the IRS exempt organizations of DC at one registered-agent
suite (bench/data/businesses/irs_eo_dc.csv), three 7-ELEVEN stores of the Chicago licence extract
(bench/data/businesses/chicago_licenses.csv), Fodor's and Zagat's entries (tests/files/linking) and the KATANA
licence of the City of Chicago closures slice with its coordinates (tests/files/chicago_licenses). Variations (a
street written "Ventura Blvd., 12224", an address withheld, a map point instead of an address) are made here.
"""

from __future__ import annotations

import csv

from tests.test_match_failure_classes import BUSINESSES, closures, fodors_zagat, irs_rows_at

HEADER = ["id", "name", "address", "city", "state", "zip", "lat", "lon"]


def _seven_elevens() -> list[dict[str, str]]:
    by_address: dict[str, dict[str, str]] = {}
    with open(BUSINESSES / "chicago_licenses.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["dba_name"] == "7-ELEVEN":
                by_address.setdefault(r["address"], r)
    return list(by_address.values())


def _write(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return str(path)


def test_leads_link_on_every_failure_class(leads_cli, tmp_path) -> None:
    left: list[list[str]] = []
    right: list[list[str]] = []
    # Four unrelated organizations registered at one suite: two on each side, none the same.
    orgs = irs_rows_at("800 MAINE AVE SW STE 800")
    assert len({r["name"] for r in orgs}) >= 4
    for k, r in enumerate(orgs[:4]):
        (left if k < 2 else right).append([f"irs{k}", r["name"], r["street"], r["city"], r["state"], r["zip"], "", ""])
    # A chain: two 7-ELEVEN stores on the left, a third store on the right.
    stores = _seven_elevens()
    assert len(stores) >= 3
    for k, r in enumerate(stores[:3]):
        (left if k < 2 else right).append(
            [f"711-{k}", r["dba_name"], r["address"], r["city"], r["state"], r["zip"], "", ""]
        )
    # Fodor's "Arts Delicatessen, 12224 Ventura Blvd." as "Ventura Blvd., 12224"; Zagat's "Arts Deli" as it is.
    fodors, zagats, fz = fodors_zagat()
    col = {name: fz.index(name) for name in ("id", "name", "addr", "city")}
    f = fodors["535"]
    number, street = f[col["addr"]].split(" ", 1)
    left.append(["f535", f[col["name"]], f"{street.title()}, {number}", f[col["city"]], "", "", "", ""])
    z = zagats["220"]
    right.append(["z220", z[col["name"]], z[col["addr"]], z[col["city"]], "", "", "", ""])
    # A rare name without any address on one side: Fodor's Cafe Bizou, Zagat's without its street.
    f, z = fodors["537"], zagats["222"]
    left.append(["f537", f[col["name"]], f[col["addr"]], f[col["city"]], "", "", "", ""])
    right.append(["z222", z[col["name"]], "", z[col["city"]], "", "", "", ""])
    # Coordinates: the KATANA licence (legal name, street, map point) and a directory's "Katana" with only a point.
    katana = next(r for r in closures() if r["DOING BUSINESS AS NAME"] == "KATANA")
    left.append(["katana", katana["DOING BUSINESS AS NAME"], katana["ADDRESS"], "CHICAGO", "IL", "",
                 katana["LATITUDE"], katana["LONGITUDE"]])  # fmt: skip
    right.append(["dir-katana", "Katana", "", "", "", "", katana["LATITUDE"], katana["LONGITUDE"]])

    out = tmp_path / "pairs.csv"
    result = leads_cli("link", _write(tmp_path / "left.csv", left), _write(tmp_path / "right.csv", right),
                       "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "pairs at or above 78 written" in result.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        pairs = {(r["left_id"], r["right_id"]): r for r in csv.DictReader(fh)}
    # Not linked: the registered agent's clients, the 7-ELEVEN at another address.
    assert set(pairs) == {("f535", "z220"), ("f537", "z222"), ("katana", "dir-katana")}
    why = {k: p["carried_by"] + " / " + p["weakened_by"] for k, p in pairs.items()}
    assert "same street" in pairs[("f535", "z220")]["carried_by"], why
    assert "rare name" in pairs[("f537", "z222")]["carried_by"], why
    assert "no address" in pairs[("f537", "z222")]["weakened_by"], why
    assert "distance" in pairs[("katana", "dir-katana")]["carried_by"], why
    assert pairs[("katana", "dir-katana")]["distance_miles"] == "0.00"
