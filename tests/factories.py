"""Creating accounts, notices and leads directly in a test database (tests may skip matching)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from leads.models import Account, Evidence, Lead, Notice, Rep
from leads.priority import priority


def account(
    session: Session,
    ext: str,
    name: str,
    *,
    state: str = "VA",
    zip5: str = "22030",
    city: str = "Fairfax",
    owner: Rep | None = None,
    dnc: bool = False,
    vendor: str | None = None,
    address: str | None = "1 Main St",
) -> Account:
    acct = Account(
        external_id=ext,
        name=name,
        state=state,
        zip5=zip5,
        city=city,
        owner=owner,
        do_not_contact=dnc,
        incumbent_vendor=vendor,
        address=address,
    )
    session.add(acct)
    return acct


def lead(
    session: Session,
    acct: Account,
    *,
    score: float = 90.0,
    owner: Rep | None = None,
    closure: date | None = None,
    employees: int | None = 100,
    status: str = "new",
    notice: Notice | None = None,
    today: date | None = None,
) -> Lead:
    row = Lead(
        account=acct,
        owner=owner,
        score=score,
        closure_date=closure,
        employees=employees,
        status=status,
        priority=priority(score, closure, employees, today or date.today()),
    )
    if notice is not None:
        row.evidence.append(
            Evidence(
                notice=notice,
                kind="vendor_closed",
                score=score,
                matched={"vendor": acct.incumbent_vendor, "notice": notice.company_name},
            )
        )
    session.add(row)
    return row


def notice(
    session: Session,
    key: str,
    name: str,
    *,
    source: str = "warn_va",
    state: str = "VA",
    city: str = "Fairfax",
    effective: date | None = None,
    employees: int | None = 100,
    notice_type: str = "closure",
) -> Notice:
    row = Notice(
        source=source,
        source_key=key,
        company_name=name,
        notice_type=notice_type,
        state=state,
        city=city,
        source_url=f"https://example.test/{source}",
        raw={"Company": name},
        content_hash=key,
        effective_date=effective,
        employees=employees,
    )
    session.add(row)
    return row
