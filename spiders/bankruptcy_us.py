"""U.S. bankruptcy courts: new business cases from each court's free CM/ECF RSS feed (``rss_outside.pl``).

One spider over a list of courts (``-a courts=nysb,deb``; default: the busiest business-bankruptcy courts).

- An item's title is ``case-number debtor name``, its description ``Type: bk Office: N Chapter: 11 [entry]``.
  Kept: ``Type: bk`` cases under chapter 7 (liquidation: ``bankruptcy_ch7``, a closure) and chapter 11
  (reorganization: ``bankruptcy_ch11``, a distinct type reps can filter), whose debtor is a business
  (leads/debtors.py). Skipped: adversary proceedings (``Type: ap`` or " v. " in the title), other chapters
  (13 is for individuals only), repeat entries of a case already read, and every personal debtor.
- A personal debtor's name is never stored: not in the notice, not in raw, not in a log line (only counts are
  logged). A person trading under a d/b/a name is kept under the trade name alone.
- source_key ``court:case-number`` (``nysb:16-10992``, the judge's initials dropped: they change on reassignment).
  notice_date = the day of the case's latest docket entry in the feed; state = the court's state; no employee count.
- Claims registers (``-a claims=yes``) add the petition date (effective_date), the office and the creditor list
  (raw ``creditors``: business creditors only, name and address), which matching links as ``customer_of_closed``.
  PACER charges per page beyond the free RSS, so they are fetched only when asked for (shown in `leads sources`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from leads.debtors import BUSINESS, classify_debtor
from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date

#: Court id -> (where, state): the evidence card says "petition filed ... in Delaware".
COURTS: dict[str, tuple[str, str]] = {
    "deb": ("Delaware", "DE"),
    "nysb": ("the Southern District of New York", "NY"),
    "njb": ("New Jersey", "NJ"),
    "txsb": ("the Southern District of Texas", "TX"),
    "txnb": ("the Northern District of Texas", "TX"),
    "cacb": ("the Central District of California", "CA"),
    "flsb": ("the Southern District of Florida", "FL"),
    "flmb": ("the Middle District of Florida", "FL"),
    "ilnb": ("the Northern District of Illinois", "IL"),
    "gamb": ("the Middle District of Georgia", "GA"),
    "ganb": ("the Northern District of Georgia", "GA"),
    "mdb": ("Maryland", "MD"),
    "ctb": ("Connecticut", "CT"),
    "nyeb": ("the Eastern District of New York", "NY"),
    "paeb": ("the Eastern District of Pennsylvania", "PA"),
}
#: Where most business chapter 11 and chapter 7 cases are filed (Delaware, S.D.N.Y., Texas, New Jersey...).
DEFAULT_COURTS = ("deb", "nysb", "njb", "txsb", "txnb", "cacb", "flsb", "flmb", "ilnb", "ganb")
NOTICE_TYPE_BY_CHAPTER = {"7": "bankruptcy_ch7", "11": "bankruptcy_ch11"}
_DESCRIPTION_RE = re.compile(r"Type:\s*(?P<type>\w*)\s+Office:\s*(?P<office>\w*)\s+Chapter:\s*(?P<chapter>\w*)")
_CASE_RE = re.compile(r"^(?P<number>\d{2}-\d{5})(?:-[A-Za-z]{2,4})?$")
_ENTRY_RE = re.compile(r"\[([^\]]*)\]")
_YES = {"1", "yes", "true", "on"}


@dataclass(frozen=True)
class FeedEntry:
    """One RSS item as published (the debtor's name stays in memory only)."""

    case_number: str
    debtor: str
    case_type: str
    office: str
    chapter: str
    entry: str
    link: str
    published: date | None


@dataclass
class Triage:
    """A feed's items sorted: the business cases kept, and counts of what was dropped (no names)."""

    cases: dict[str, tuple[FeedEntry, str, str]]  # case number -> (latest entry, business name, rule)
    items: int = 0
    adversary: int = 0
    personal: int = 0  # items (not cases) of personal debtors, chapter 13 included
    other_chapter: int = 0
    repeats: int = 0


def feed_entries(body: bytes) -> tuple[str, list[FeedEntry]]:
    """(court id from the channel link, the items) of a CM/ECF RSS feed; LayoutChanged if it is not one."""
    try:
        sel = Selector(body=body, type="xml")
    except Exception as exc:  # lxml's errors vary by version; any of them means "not a feed"
        raise LayoutChanged(f"not an RSS feed ({type(exc).__name__})") from None
    channel = sel.xpath("//channel")
    if not channel:
        raise LayoutChanged(f"not an RSS feed: no <channel>; it starts {body[:80]!r}")
    host = urlsplit((channel.xpath("link/text()").get() or "").strip()).hostname or ""
    court = host.split(".")[1] if host.startswith("ecf.") and host.count(".") >= 2 else ""
    entries = []
    for item in channel.xpath("item"):
        title = " ".join((item.xpath("title/text()").get() or "").split())
        description = item.xpath("description/text()").get() or ""
        fields = _DESCRIPTION_RE.search(description)
        number, _, debtor = title.partition(" ")
        case = _CASE_RE.match(number)
        if fields is None or case is None:
            raise LayoutChanged("an item without 'case-number name' title or 'Type: Office: Chapter:' description")
        entry = _ENTRY_RE.search(description[fields.end() :])
        published = item.xpath("pubDate/text()").get()
        entries.append(
            FeedEntry(
                case_number=case["number"],
                debtor=debtor,
                case_type=fields["type"].lower(),
                office=fields["office"],
                chapter=fields["chapter"],
                entry=entry.group(1).strip() if entry else "",
                link=(item.xpath("link/text()").get() or "").strip(),
                published=_published(published),
            )
        )
    return court, entries


def _published(text: str | None) -> date | None:
    try:
        return parsedate_to_datetime(text.strip()).date() if text else None
    except (TypeError, ValueError):
        return None


def is_adversary(entry: FeedEntry) -> bool:
    """An adversary proceeding (a lawsuit inside a case), not a new filing."""
    return entry.case_type == "ap" or " v. " in f" {entry.debtor} "


def triage(entries: list[FeedEntry]) -> Triage:
    """Business chapter 7 and 11 cases, first (latest) entry of each; every other item counted by why."""
    out = Triage(cases={})
    seen: set[str] = set()
    for entry in entries:
        out.items += 1
        if entry.case_number in seen:
            out.repeats += 1
            continue
        seen.add(entry.case_number)
        if is_adversary(entry):
            out.adversary += 1
            continue
        verdict = classify_debtor(entry.debtor)
        if entry.chapter == "13" or verdict.kind != BUSINESS:
            out.personal += 1
            continue
        if entry.chapter not in NOTICE_TYPE_BY_CHAPTER:
            out.other_chapter += 1
            continue
        assert verdict.business_name is not None
        out.cases[entry.case_number] = (entry, verdict.business_name, verdict.why)
    return out


def _case_id(link: str) -> str:
    """CM/ECF's internal case id: the query of ``DktRpt.pl?265812``."""
    return urlsplit(link).query.split("-", 1)[0]


def notice_for(court: str, entry: FeedEntry, name: str, why: str, source: str, url: str) -> ClosureNotice:
    where, state = COURTS.get(court, (court.upper(), None))
    return ClosureNotice(
        source=source,
        source_key=f"{court}:{entry.case_number}",
        company_name=name,
        source_url=entry.link or url,
        notice_type=NOTICE_TYPE_BY_CHAPTER[entry.chapter],
        state=state,
        notice_date=entry.published,
        raw={
            "court": court,
            "court_place": where,
            "case_number": entry.case_number,
            "case_id": _case_id(entry.link),
            "chapter": entry.chapter,
            "office": entry.office,
            "debtor": name,
            "business_because": why,
            "latest_entry": entry.entry,
        },
    )


# -- claims register (PACER, fetched only when asked for) ----------------------------------------

_CITY_LINE_RE = re.compile(r"^(?P<city>[^,]+),\s*(?P<state>[A-Z]{2})\s*(?P<zip>\d{5})?")


def claims_register(body: bytes) -> dict[str, Any]:
    """Petition date, chapter and business creditors of a CM/ECF claims register page."""
    sel = Selector(text=body.decode("latin-1"))
    text = " ".join(sel.xpath("//text()").getall())
    filed = re.search(r"Date Filed:\s*(\d{2}/\d{2}/\d{4})", text)
    chapter = re.search(r"Chapter:\s*(\d+)", text)
    if filed is None or "Claims Register" not in text:
        raise LayoutChanged("not a claims register: no 'Claims Register' heading or 'Date Filed:'")
    creditors: list[dict[str, str | None]] = []
    personal = 0
    for block in sel.xpath("//font[i[starts-with(normalize-space(.), 'Creditor:')]]"):
        lines = [" ".join(t.replace("\xa0", " ").split()) for t in block.xpath("text()").getall()]
        lines = [ln for ln in lines if ln and not re.fullmatch(r"\(\d+\)", ln)]
        if not lines:
            continue
        # A creditor block can start with its street line ("600 N King St ..."): the name is the first line
        # that is no address.
        name = next((ln for ln in lines if not re.match(r"^\d", ln)), lines[0])
        verdict = classify_debtor(name)
        if verdict.kind != BUSINESS or verdict.business_name is None:
            personal += 1  # a person (personal data) or a name with no sign of a business: never kept
            continue
        city_line = next((m for ln in reversed(lines) if (m := _CITY_LINE_RE.match(ln))), None)
        street = next((ln for ln in lines[lines.index(name) + 1 :] if re.match(r"^\d", ln)), None)
        party = {
            "name": verdict.business_name,
            "address": street,
            "city": city_line["city"].strip() if city_line else None,
            "state": city_line["state"] if city_line else None,
            "zip": city_line["zip"] if city_line else None,
        }
        if party not in creditors:
            creditors.append(party)
    heading = " ".join(sel.xpath("//h2/text()").get("").split())
    case = re.search(r"Case Number:\s*(\d{2}-\d{5})", text)
    case_name = re.search(r"Case Name:\s*(.+?)\s+Case Number:", text)
    return {
        "court": court_of_heading(heading),
        "case_number": case.group(1) if case else None,
        "case_name": clean_text(case_name.group(1)) if case_name else None,
        "petition_date": parse_date(filed.group(1)),
        "chapter": chapter.group(1) if chapter else None,
        "creditors": creditors,
        "creditors_dropped": personal,
    }


class BankruptcyUsSpider(NoticeSpider):
    name = "bankruptcy_us"
    agency_url = "https://pacer.uscourts.gov/file-case/court-cmecf-lookup"
    source_format = (
        "RSS per court (CM/ECF rss_outside.pl, free); claims registers only with -a claims=yes (PACER fees per page)"
    )
    region = "U.S. bankruptcy courts: " + ", ".join(DEFAULT_COURTS) + " by default (-a courts=...)"
    verified_on = "court feeds 2018-04-19 (S.D.N.Y.) and 2018-04-24 (D. Md.); claims register D. Del. 2019-07-29"
    # The demo replays the S.D.N.Y. feed (its chapter 7 cases make demo leads); no claims register (PACER fees).
    demo_urls: ClassVar[tuple[str, ...] | None] = ("https://ecf.nysb.uscourts.gov/cgi-bin/rss_outside.pl",)
    demo_files: ClassVar[dict[str, str]] = {"ecf.nysb.uscourts.gov/cgi-bin/rss_outside.pl": "bankruptcy_us/nysb_1.xml"}

    def __init__(
        self, *args: Any, courts: str | None = None, claims: str | None = None, url: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, url=url, **kwargs)
        chosen = [c.strip().lower() for c in (courts or "").split(",") if c.strip()] or list(DEFAULT_COURTS)
        bad = [c for c in chosen if not re.fullmatch(r"[a-z]{2,5}", c)]
        if bad:
            raise ValueError(f"courts must be CM/ECF court ids like nysb or deb, got {', '.join(bad)}")
        if not url:
            self.start_urls = [feed_url(c) for c in chosen]
        self.claims = str(claims or "").strip().lower() in _YES

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_request_error)

    def parse(self, response: Response, **_: Any) -> Iterator[Any]:
        try:
            court, entries = feed_entries(response.body)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        court = court or _court_of(response.url)
        if not entries:
            self.agency_lists_none(response, f"the {court} feed has no entries")
            return
        sorted_ = triage(entries)
        self.logger.info(
            "source %s: %s feed: %d items, %d business cases kept, %d personal debtor items dropped, "
            "%d adversary proceedings skipped, %d other chapters, %d repeat entries",
            self.name,
            court,
            sorted_.items,
            len(sorted_.cases),
            sorted_.personal,
            sorted_.adversary,
            sorted_.other_chapter,
            sorted_.repeats,
        )
        for entry, name, why in sorted_.cases.values():
            notice = notice_for(court, entry, name, why, self.name, response.url)
            if self.claims and notice.raw["case_id"]:
                claims_url = response.urljoin(f"/cgi-bin/SearchClaims.pl?{notice.raw['case_id']}")
                yield scrapy.Request(
                    claims_url,
                    callback=self.parse_claims,
                    errback=self.claims_failed,
                    cb_kwargs={"notice": notice},
                )
            else:
                yield notice

    def parse_claims(self, response: Response, notice: ClosureNotice) -> Iterator[ClosureNotice]:
        try:
            register = claims_register(response.body)
        except LayoutChanged as exc:
            self.layout_changed(response, f"claims register of {notice.source_key}: {exc}")
            yield notice
            return
        yield with_claims(notice, register, response.url)

    def claims_failed(self, failure: Any) -> Iterator[ClosureNotice]:
        """The claims page failed (an ERROR); the case from the free feed still lands."""
        self.on_request_error(failure)
        yield failure.request.cb_kwargs["notice"]

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved feed: its business cases. A saved claims register: its case, with petition date and creditors."""
        if b"Claims Register" in response.body[:20000] and b"<rss" not in response.body[:2000]:
            yield from self._register_notice(response)
            return
        court, entries = feed_entries(response.body)
        court = court or _court_of(response.url)
        for entry, name, why in triage(entries).cases.values():
            yield notice_for(court, entry, name, why, self.name, response.url)

    def _register_notice(self, response: Response) -> Iterator[ClosureNotice]:
        register = claims_register(response.body)
        verdict = classify_debtor(register["case_name"] or "")
        chapter = register["chapter"] or ""
        if not register["court"] or not register["case_number"] or chapter not in NOTICE_TYPE_BY_CHAPTER:
            raise LayoutChanged("a claims register without its court heading, case number or chapter 7/11")
        if verdict.kind != BUSINESS or verdict.business_name is None:
            return  # a personal debtor's register: nothing of it is kept
        entry = FeedEntry(register["case_number"], "", "bk", "", chapter, "", "", None)
        notice = notice_for(register["court"], entry, verdict.business_name, verdict.why, self.name, response.url)
        yield with_claims(notice, register, response.url)


def with_claims(notice: ClosureNotice, register: dict[str, Any], url: str) -> ClosureNotice:
    """The feed's notice with the register's petition date and creditors."""
    raw = dict(notice.raw)
    raw["claims_register_url"] = url
    raw["creditors"] = register["creditors"]
    raw["creditors_dropped"] = register["creditors_dropped"]
    petition: date | None = register["petition_date"]
    if petition is not None:
        raw["petition_date"] = petition.isoformat()
    return ClosureNotice(**{**notice.as_dict(), "effective_date": petition or notice.effective_date, "raw": raw})


def court_of_heading(heading: str) -> str | None:
    """The court id of a page headed "District of Delaware" or "Southern District of New York"."""
    where = heading.strip()
    for court, (place, _) in COURTS.items():
        if where in (f"District of {place}", place.removeprefix("the ")):
            return court
    return None


def feed_url(court: str) -> str:
    return f"https://ecf.{court}.uscourts.gov/cgi-bin/rss_outside.pl"


def _court_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.split(".")[1] if host.startswith("ecf.") and host.count(".") >= 2 else "unknown"


__all__ = ["BankruptcyUsSpider", "claims_register", "feed_entries", "triage"]
