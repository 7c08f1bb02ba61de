"""Matching closure notices to the account book: normalized records in, scored links with evidence out.

Pure Python (rapidfuzz for string scores, zipcodes for ZIP centroids); no database or Scrapy imports. From DB code::

    from leads.matching import ACCOUNT_COLUMNS, AccountRecord, CompetitorProfile, MatchEngine, notice_record

    notices = [notice_record(n.id, n.company_name, city=n.city, state=n.state, zip=n.zip5,
                             notice_type=n.notice_type, industry_code=n.industry_code,
                             notice_date=n.notice_date, name_norm=n.name_norm, address_norm=n.address_norm)
               for n in notice_rows]
    engine = MatchEngine(notices, profiles=[CompetitorProfile(...)])      # thresholds=Thresholds(78, 65)
    rows = session.execute(select(*[getattr(Account, c) for c in ACCOUNT_COLUMNS]).execution_options(yield_per=20_000))
    result = engine.match(AccountRecord(*(v or "" for v in row)) for row in rows)   # workers=2 to use 2 cores
    for link in result.links:   # Link(notice_id, account_id, kind, score 0-100, decision "accept"/"review", evidence)
        ...

The stored ``*_norm`` columns are used as they are (see leads.normalize for how to compute them at import).
``closure_ids(notices)`` groups notices that report one closure; ``link_sites`` is the name + address linker behind
``leads link`` (leads.linking). Modules: records (values), scoring (pair scores), blocking (candidate index),
geo (ZIP centroids, grid), sites (name + address linking), engine (the three link kinds), dedup (closures).
"""

from leads.matching.dedup import closure_ids, cluster_notices
from leads.matching.engine import CompetitorProfile, MatchEngine, MatchResult, link_notices
from leads.matching.records import (
    ACCOUNT_COLUMNS,
    DEFAULT_THRESHOLDS,
    AccountRecord,
    Link,
    NoticeRecord,
    Thresholds,
    account_record,
    notice_record,
)
from leads.matching.scoring import Site, name_similarity, prepare_site, site_score
from leads.matching.sites import link_sites
from leads.vocabulary import LINK_KINDS

__all__ = [
    "ACCOUNT_COLUMNS",
    "DEFAULT_THRESHOLDS",
    "LINK_KINDS",
    "AccountRecord",
    "CompetitorProfile",
    "Link",
    "MatchEngine",
    "MatchResult",
    "NoticeRecord",
    "Site",
    "Thresholds",
    "account_record",
    "closure_ids",
    "cluster_notices",
    "link_notices",
    "link_sites",
    "name_similarity",
    "notice_record",
    "prepare_site",
    "site_score",
]
