"""The digest's why lines: one chain's sites closing the same day (store numbers apart) are one closure to a
rep, said once with how many more notices report it; another day or another company is its own line (issue
14 item 9)."""

from __future__ import annotations

from datetime import date, timedelta


def test_a_chains_sites_closing_the_same_day_are_one_why_line(db) -> None:
    from leads import digest
    from leads.models import Evidence, Rep
    from tests import factories as f

    day = date(2018, 5, 14)
    with db.session() as s:
        ana = Rep(name="ana", role="rep", territory={})
        s.add(ana)
        names = ["Farm Fresh #6293", "Farm Fresh #6289", "Farm Fresh #6242", "Farm Fresh #6240", "Farm Fresh #6274"]
        stores = [f.notice(s, f"k{i}", name, effective=day) for i, name in enumerate(names)]
        stores[-1].effective_date = day + timedelta(days=60)  # a later wave: its own line
        other = f.notice(s, "k9", "Food Lion #12", effective=day)
        s.flush()
        for n in (*stores, other):
            n.closure_key, n.name_norm = f"c{n.id}", n.company_name.lower().replace("#", "")
        lead = f.lead(s, f.account(s, "N-1", "Beachside Diner"), owner=ana, notice=stores[0], score=90)
        s.flush()
        for n in (*stores[1:], other):
            s.add(Evidence(lead_id=lead.id, notice_id=n.id, kind="competitor_nearby", score=90, matched={}))
        s.flush()
        d = digest.build(s, None, [])
    (entry,) = [r for r in d.reps if r.name == "ana"][0].leads
    nearby = [w for w in entry["why"] if "Farm Fresh" in w and "2018-05-14" in w and "competitor" in w]
    assert len(nearby) == 1 and nearby[0].endswith("and 2 more notices of the same closure"), entry["why"]
    assert sum("Farm Fresh #6274" in w for w in entry["why"]) == 1  # two months later
    assert sum("Food Lion #12" in w for w in entry["why"]) == 1  # another chain the same day
    assert len(entry["why"]) == 4  # the vendor line of the first store, the wave, the later store, Food Lion
