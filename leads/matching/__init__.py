"""Matching closure notices to the account book: normalized records in, scored links with evidence out.

Pure Python (rapidfuzz for string scores, zipcodes for ZIP centroids); no database or Scrapy imports.

    from leads.matching import MatchEngine, AccountRecord, NoticeRecord, CompetitorProfile
    engine = MatchEngine(notices, profiles=[CompetitorProfile(...)])
    result = engine.match(accounts)          # accounts: any iterable, read once (stream it from the DB)
    for link in result.links: ...            # Link(notice_id, account_id, kind, score, decision, evidence)
"""

from leads.matching.dedup import closure_ids, cluster_notices
from leads.matching.engine import CompetitorProfile, MatchEngine, MatchResult, link_notices
from leads.matching.records import (
    ACCOUNT_COLUMNS,
    DEFAULT_THRESHOLDS,
    LINK_KINDS,
    AccountRecord,
    Link,
    NoticeRecord,
    Thresholds,
    account_record,
    notice_record,
)
from leads.matching.scoring import Site, name_similarity, prepare_site, site_score
from leads.matching.sites import link_sites

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
