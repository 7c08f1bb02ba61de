"""Migration 0003 on a database that already holds notices: California and Tennessee keys follow the one
source-key policy afterwards, so the next crawl updates them instead of storing them twice."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from leads.db import Database
from spiders.tabular import make_key


def test_old_california_and_tennessee_keys_are_rewritten_to_the_policy(db_url) -> None:
    database = Database(db_url)
    database.upgrade("0002")
    rows = [  # keys as the 0002-era spiders stored them (values from tests/files/warn_ca and warn_tn)
        ("warn_ca", "2019-06-27|forever 21 retail, inc.|palmdale", "Forever 21 Retail, Inc.", "Palmdale"),
        ("warn_ca", "2018-06-28|sears, roebuck and co.|newark#2", "Sears, Roebuck and Co.", "Newark"),
        ("warn_tn", "2014-11-13|adams usa inc|cookeville", "Adams USA Inc", "Cookeville"),
        ("warn_va", "thecorsigroup|2018-06-19|keysvilleva", "The Corsi Group", "Keysville"),  # not touched
    ]
    with database.engine.begin() as conn:
        for source, key, company, city in rows:
            conn.execute(
                sa.text(
                    "insert into notices (source, source_key, company_name, city, notice_type, source_url, raw, "
                    "content_hash, name_norm, address_norm, first_seen, last_seen, updated_at) values "
                    "(:s, :k, :c, :city, 'closure', 'x', '{}', 'h', '', '', current_timestamp, current_timestamp, "
                    "current_timestamp)"
                ),
                {"s": source, "k": key, "c": company, "city": city},
            )
    database.upgrade()
    with database.engine.connect() as conn:
        keys = conn.execute(sa.text("select source_key from notices order by id")).scalars().all()
        amended = conn.execute(sa.text("select amended from notices")).scalars().all()
    database.dispose()
    assert keys == [
        make_key(date(2019, 6, 27), "Forever 21 Retail, Inc.", "Palmdale"),
        make_key(date(2018, 6, 28), "Sears, Roebuck and Co.", "Newark") + "#2",
        make_key(date(2014, 11, 13), "Adams USA Inc", "Cookeville"),
        "thecorsigroup|2018-06-19|keysvilleva",
    ]
    assert [bool(a) for a in amended] == [False] * 4
