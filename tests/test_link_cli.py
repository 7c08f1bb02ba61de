"""`leads link`: two real lists (Fodor's and Zagat's restaurant guides) linked through the real CLI."""

from __future__ import annotations

import csv

from tests.helpers import FILES

LINKING = FILES / "linking"


def _pairs(path) -> set[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


def test_link_two_guides_one_to_one(leads_cli, tmp_path) -> None:
    out = tmp_path / "pairs.csv"
    result = leads_cli(
        "link",
        str(LINKING / "fodors.csv"),
        str(LINKING / "zagats.csv"),
        "--out",
        str(out),
    )  # one-to-one is the default
    assert result.returncode == 0, result.stderr
    assert "pairs at or above 78 written to" in result.stderr
    found = _pairs(out)
    with open(LINKING / "matches_fodors_zagats.csv", newline="") as fh:
        truth = {(r["fodors_id"], r["zagats_id"]) for r in csv.DictReader(fh)}
    true_positives = len(found & truth)
    precision, recall = true_positives / len(found), true_positives / len(truth)
    # The guides describe the same restaurants differently (names, "blv." vs "blvd."); no phone is used.
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    lefts = [left for left, _ in found]
    assert len(lefts) == len(set(lefts))  # one-to-one
    with open(out, newline="") as fh:
        assert next(csv.reader(fh)) == ["left_id", "right_id", "score", "carried_by", "weakened_by", "distance_miles"]


def test_threshold_and_many_to_many(leads_cli, tmp_path) -> None:
    strict, loose = tmp_path / "strict.csv", tmp_path / "loose.csv"
    for path, threshold in ((strict, "95"), (loose, "60")):
        result = leads_cli(
            "link",
            str(LINKING / "fodors.csv"),
            str(LINKING / "zagats.csv"),
            "--out",
            str(path),
            "--threshold",
            threshold,
            "--many-to-many",
        )
        assert result.returncode == 0, result.stderr
    assert _pairs(strict) < _pairs(loose)
    with open(strict, newline="") as fh:
        assert all(float(r["score"]) >= 95 for r in csv.DictReader(fh))


def test_bad_input_names_the_file(leads_cli, tmp_path) -> None:
    missing = tmp_path / "nope.csv"
    result = leads_cli("link", str(missing), str(LINKING / "zagats.csv"), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 1 and f"Error: {missing}" in result.stderr
    no_name = tmp_path / "ids.csv"
    no_name.write_text("id,phone\n1,555\n")
    result = leads_cli("link", str(no_name), str(LINKING / "zagats.csv"), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 1 and f"Error: {no_name}" in result.stderr and "name" in result.stderr
    assert not (tmp_path / "o.csv").exists()  # nothing half-written
