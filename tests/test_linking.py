"""``link_csv`` end to end on small CSV files written to a temporary folder. The rows are real: Fodors and Zagat
restaurants (bench/data/fodors_zagat), New York WARN notices and CompanyData businesses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from leads.errors import InputError
from leads.linking import LinkError, LinkSummary, link_csv, read_records
from leads.matching.sites import SiteIndex, link_sites

FODORS = """id,name,addr,city,phone,type
535,arts delicatessen,12224 ventura blvd.,studio city,818/762-1221,american
536,hotel bel-air,701 stone canyon rd.,bel air,310/472-1211,californian
537,cafe bizou,14016 ventura blvd.,sherman oaks,818/788-3536,french
589,restaurant katsu,1972 n. hillhurst ave.,los angeles,213/665-1891,asian
"""
ZAGAT = """id,name,addr,city,phone,type
220,arts deli,12224 ventura blvd.,studio city,818-762-1221,delis
221,bel-air hotel,701 stone canyon rd.,bel air,310-472-1211,californian
222,cafe bizou,14016 ventura blvd.,sherman oaks,818-788-3536,french bistro
274,katsu,1972 hillhurst ave.,los feliz,213-665-1891,japanese
3,baja fresh,3345 kimber dr.,westlake village,805-498-4049,mexican
"""


def write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def read_pairs(path) -> list[tuple[str, str, float]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["left_id", "right_id", "score", "carried_by", "weakened_by", "distance_miles"]
    return [(r[0], r[1], float(r[2])) for r in rows[1:]]


def test_fodors_zagat_rows_link_end_to_end(tmp_path) -> None:
    left = write(tmp_path / "fodors.csv", FODORS)
    right = write(tmp_path / "zagat.csv", ZAGAT)
    out = tmp_path / "pairs.csv"
    summary = link_csv(left, right, out)
    assert isinstance(summary, LinkSummary)
    pairs = read_pairs(out)
    # The labelled true pairs of the benchmark (matches_fodors_zagats.csv): 535-220, 536-221, 537-222, 589-274.
    assert [(a, b) for a, b, _ in pairs] == [("535", "220"), ("536", "221"), ("537", "222"), ("589", "274")]
    assert all(s >= 78 for _, _, s in pairs)
    assert ("537", "222", 100.0) in pairs
    assert (summary.left_rows, summary.right_rows, summary.pairs_written) == (4, 5, 4)
    assert summary.threshold == 78 and summary.one_to_one is True and summary.out_path == str(out)
    assert summary.candidate_pairs >= 4


def test_one_to_one_keeps_each_id_once_best_first(tmp_path) -> None:
    # New York WARN: a notice and its re-posting (ids 3 and 4) against one account, the best pair wins.
    left = write(tmp_path / "notices.csv",
                 'id,name,address,city,state,zip\n'
                 'ny3,"Air Products and Chemicals, Inc.",6400 Sheridan Drive 310,Amherst,NY,14221\n'
                 'ny4,Air Products & Chemicals,6400 Sheridan Drive,Amherst,NY,14221\n')  # fmt: skip
    right = write(tmp_path / "accounts.csv",
                  "id,name,address,city,state,zip\n"
                  "A-1,AIR PRODUCTS AND CHEMICALS INC,6400 Sheridan Dr Ste 310,Amherst,NY,14221\n")  # fmt: skip
    many = tmp_path / "many.csv"
    one = tmp_path / "one.csv"
    assert link_csv(left, right, many, one_to_one=False).pairs_written == 2
    summary = link_csv(left, right, one)  # one-to-one is the default
    assert summary.pairs_written == 1 and summary.one_to_one is True
    assert read_pairs(one) == [("ny3", "A-1", 100.0)]


def test_threshold_and_missing_columns(tmp_path) -> None:
    # Only id and name: the name alone decides; a lower threshold lets the weaker pair through.
    left = write(tmp_path / "l.csv", "ID,Company\n1,Estee Lauder\n2,Marsh\n")
    right = write(tmp_path / "r.csv", "Id,Name,Zip\n10,The Estee Lauder Companies INC,10153\n11,Marsh LLC,10036\n"
                                      "12,Marsh Supermarkets,46256\n")  # fmt: skip
    out = tmp_path / "o.csv"
    link_csv(left, right, out)
    assert [(a, b) for a, b, _ in read_pairs(out)] == [("1", "10"), ("2", "11")]
    link_csv(left, right, out, threshold=40, one_to_one=False)
    assert ("2", "12") in [(a, b) for a, b, _ in read_pairs(out)]


def test_semicolon_bom_and_windows_1252_files_are_read(tmp_path) -> None:
    # CompanyData exports are ;-separated UTF-8 with a BOM; spreadsheet exports on Windows are cp1252.
    left = write(tmp_path / "l.csv", "\ufeffID;Company Name;Address 1;City;Postal Code\n"
                                     "195558259;Charter Communications, INC.;400 Washington Blvd;Stamford;06902\n")  # fmt: skip
    right = write(tmp_path / "r.csv", "id,name,address,city,zip\nC7,Charter Communications Caf\u00e9,"
                                      "400 Washington Boulevard,Stamford,06902\n", encoding="cp1252")  # fmt: skip
    out = tmp_path / "o.csv"
    summary = link_csv(left, right, out)
    assert summary.pairs_written == 1
    assert read_pairs(out)[0][:2] == ("195558259", "C7")


def test_formula_like_ids_are_neutralized(tmp_path) -> None:
    left = write(tmp_path / "l.csv", 'id,name\n"=HYPERLINK(""x"")",Giant Delivers\n-12,Harris Teeter\n')
    right = write(tmp_path / "r.csv", "id,name\nG,Giant Delivers LLC\nH,Harris Teeter Inc\n")
    out = tmp_path / "o.csv"
    link_csv(left, right, out)
    assert [(a, b) for a, b, _ in read_pairs(out)] == [('\'=HYPERLINK("x")', "G"), ("-12", "H")]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"l.csv": "name\nGiant Delivers\n"}, "no header row with a column for id; the file needs an id and a name"),
        ({"l.csv": "id,company_url\n1,x\n"}, "no header row with a column for name;"),
        ({"l.csv": ""}, "empty"),
        ({"l.csv": "id,name\n1,Sysco\n1,Sysco Corp\n"}, "id '1' on line 3 is already used on line 2"),
        ({"l.csv": "id,name\n,Sysco\n"}, "line 2 has no id"),
    ],
)
def test_unusable_files_name_the_file_and_the_problem(tmp_path, files, message) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    right = write(tmp_path / "r.csv", "id,name\n1,Sysco\n")
    with pytest.raises(LinkError, match=message) as err:
        link_csv(tmp_path / "l.csv", right, tmp_path / "o.csv")
    assert str(tmp_path / "l.csv") in str(err.value)
    assert not (tmp_path / "o.csv").exists()  # nothing half-written


def test_missing_file_bad_encoding_and_bad_output_folder(tmp_path) -> None:
    right = write(tmp_path / "r.csv", "id,name\n1,Sysco\n")
    with pytest.raises(LinkError, match="file not found") as err:
        link_csv(tmp_path / "nope.csv", right, tmp_path / "o.csv")
    assert "nope.csv" in str(err.value)
    # Binary content (NUL bytes without a UTF-16 BOM) and bytes that are neither UTF-8 nor Windows-1252 (0x81)
    (tmp_path / "bin.csv").write_bytes(b"id,name\x00\x00\x01\n1,Sysco\n")
    with pytest.raises(LinkError, match="bin.csv: not a CSV or XLSX file"):
        link_csv(tmp_path / "bin.csv", right, tmp_path / "o.csv")
    (tmp_path / "bad.csv").write_bytes(b"id,name\n1,Sysco \x81\x8d\n")
    with pytest.raises(LinkError, match="bad.csv: cannot tell the text encoding"):
        link_csv(tmp_path / "bad.csv", right, tmp_path / "o.csv")
    with pytest.raises(LinkError, match="does not exist"):
        link_csv(right, right, tmp_path / "no" / "such" / "o.csv")
    with pytest.raises(LinkError, match="is a directory"):
        link_csv(tmp_path, right, tmp_path / "o.csv")


def test_link_error_is_a_value_error_and_a_user_error() -> None:
    assert issubclass(LinkError, ValueError)
    assert issubclass(LinkError, InputError)  # the CLI prints "Error: ..." and exits non-zero


def test_link_reads_what_the_account_importer_reads(tmp_path) -> None:
    """One reader (leads.tables): UTF-16 with a BOM, ';' or '|' delimiters, a title line above the header,
    and XLSX workbooks (numeric ids without '.0') give the same pairs as a plain UTF-8 CSV."""
    import openpyxl

    rows = [["id", "name", "address", "zip"], ["1", "Giant Delivers", "12 Main St", "20001"], ["2", "Sysco", "", ""]]
    right = write(tmp_path / "r.csv", "id,name,address,zip\nA,Giant Delivers Inc,12 Main Street,20001\nB,Sysco,,\n")
    plain = write(tmp_path / "plain.csv", "\n".join(",".join(r) for r in rows) + "\n")
    (tmp_path / "u16.csv").write_bytes(("\n".join(",".join(r) for r in rows) + "\n").encode("utf-16"))
    write(tmp_path / "semi.csv", "Exported accounts\n" + "\n".join(";".join(r) for r in rows) + "\n")
    write(tmp_path / "pipe.csv", "\n".join("|".join(r) for r in rows) + "\n")
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append([int(c) if c.isdigit() else (c or None) for c in r])
    book.save(tmp_path / "book.xlsx")

    def pairs(left):
        out = tmp_path / f"{Path(left).stem}.out.csv"
        link_csv(left, right, out)
        return [(a, b) for a, b, _ in read_pairs(out)]

    expected = pairs(plain)
    assert ("1", "A") in expected
    for name in ("u16.csv", "semi.csv", "pipe.csv", "book.xlsx"):
        assert pairs(tmp_path / name) == expected, name


def test_rows_normalized_in_worker_processes_are_the_rows_normalized_here() -> None:
    # The real Fodors and Zagat files (bench/data/fodors_zagat): worker processes (a big file's default) prepare
    # each record exactly as this process does, in the file's order.
    data = Path(__file__).resolve().parent.parent / "bench" / "data" / "fodors_zagat"
    for name in ("fodors.csv", "zagats.csv"):
        here = read_records(data / name, workers=1)
        assert len(here) > 300
        assert read_records(data / name, workers=2) == here


def test_an_index_of_the_keys_its_queries_read_finds_the_same_candidates() -> None:
    # leads link files only the keys its left records can read; every candidate list must be what the whole
    # index gives (real Fodors and Zagat restaurants, each file as the queries of the other, and itself).
    data = Path(__file__).resolve().parent.parent / "bench" / "data" / "fodors_zagat"
    fodors = [s for _, s in read_records(data / "fodors.csv")]
    zagat = [s for _, s in read_records(data / "zagats.csv")]
    for queries, indexed in ((fodors, zagat), (zagat, fodors), (zagat, zagat)):
        whole = SiteIndex(indexed)
        narrow = SiteIndex(indexed, queries=queries)
        found = [narrow.candidates_of(k) for k in range(len(queries))]
        assert found == [whole.candidates(q) for q in queries]
        assert sum(map(len, found)) > len(queries)
        if queries is not indexed:  # a list against itself reads every key it files
            assert len(narrow.index.postings) < len(whole.index.postings)


def test_pairs_scored_in_worker_processes_are_the_pairs_scored_here() -> None:
    # Real Fodors and Zagat restaurants, two lists and one list against itself: worker processes (the default
    # for big lists) write the same pairs, scores and evidence, and count the same candidate pairs.
    data = Path(__file__).resolve().parent.parent / "bench" / "data" / "fodors_zagat"
    fodors = [s for _, s in read_records(data / "fodors.csv")]
    zagat = [s for _, s in read_records(data / "zagats.csv")]
    for left, right in ((fodors, zagat), (fodors + zagat, None)):
        here: dict = {}
        there: dict = {}
        serial = link_sites(left, right, 78, one_to_one=right is not None, evidence=here, workers=1)
        assert len(serial[0]) > 50
        assert link_sites(left, right, 78, one_to_one=right is not None, evidence=there, workers=2) == serial
        assert there == here


def test_an_index_built_in_worker_processes_is_the_index_built_here(monkeypatch) -> None:
    # leads link files a big right list from worker processes, a range of records each: every posting must list
    # the same records in the same order (real Fodors and Zagat restaurants; ranges of 50 to use several).
    from leads.matching import sites as sites_module

    monkeypatch.setattr(sites_module, "_INDEX_TASK", 50)
    data = Path(__file__).resolve().parent.parent / "bench" / "data" / "fodors_zagat"
    fodors = [s for _, s in read_records(data / "fodors.csv")]
    zagat = [s for _, s in read_records(data / "zagats.csv")]
    here = SiteIndex(zagat, queries=fodors)
    there = SiteIndex(zagat, queries=fodors, workers=2)
    assert there.index.postings == here.index.postings
    assert [there.candidates_of(k) for k in range(len(fodors))] == [here.candidates_of(k) for k in range(len(fodors))]
    assert there.index.size == here.index.size == len(zagat)
