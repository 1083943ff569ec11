"""Market notice rules (DOMAIN "Market notices"): what a notice must hold, whom it addresses, its ERCOT ID,
when its reminder is due. No I/O: the service reads the market and the tables, then asks these.

Decisions the seed notice leaves open:
- Notice ID: `M-<letter><MMDDYY>-<NN>`. A new notice's stem is the letter and date of its notice date: `A` for
  the first notice of that day, `B` for the second...; NN is 01. A reissue (a reminder, a correction) keeps
  the stem of the notice it reissues and takes the next NN. A notice that was published before FlighTrak may
  be reissued by naming its ID (the demo's NPRR348 reminder reissues M-A073012-01 as M-A073012-02).
- Action Required empty, "None" or "N/A" means none: nothing to acknowledge.
- Day(s) affected are dates (YYYY-MM-DD, MM/DD/YYYY or "August 29, 2012", several separated by commas or
  semicolons); the reminder is due a configurable number of hours before the first one begins (00:00 Central).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flightrak import boundary
from flightrak.market_time import CENTRAL
from workflows.notices import models as m

NOTICE_ID = re.compile(r"^M-([A-Z])(\d{2})(\d{2})(\d{2})-(\d{2})$")
DESIGNATION = re.compile(r"^\d{4}$")
NO_ACTION = frozenset({"", "none", "n/a", "na", "none."})
LIMITS = {
    "short_description": 200,
    "long_description": 20_000,
    "action_required": 5_000,
    "additional_information": 20_000,
    "contact": 5_000,
}
REQUIRED = ("notice_type", "short_description", "audience", "long_description", "contact")


@dataclass(frozen=True)
class MarketCompany:
    duns: str
    name: str
    kind: str
    active: bool
    lists: tuple[str, ...] = ()


def action_required(text: str) -> bool:
    return text.strip().lower() not in NO_ACTION


def parse_day(value: str) -> date | None:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def parse_days(value: str) -> tuple[list[date], str | None]:
    days, bad = [], []
    for part in re.split(r"[;\n]|,(?!\s*\d{4}\b(?!-))", value):
        if not part.strip():
            continue
        day = parse_day(part)
        if day is None:
            bad.append(part.strip())
        else:
            days.append(day)
    if bad:
        return [], f"'{bad[0]}' is not a date (write YYYY-MM-DD or MM/DD/YYYY)"
    return sorted(set(days)), None


def audience_tokens(value: str) -> list[str]:
    return [token.strip() for token in re.split(r"[,;\n]", value) if token.strip()]


def _kind_of(token: str) -> str | None:
    word = token.upper()
    for kind in m.AUDIENCE_KINDS:
        if word in (kind, f"{kind}S", f"{kind}'S", f"ALL {kind}S"):
            return kind
    return None


def clean_notice(
    raw: dict[str, str], market: dict[str, MarketCompany], flights: set[str], today: date
) -> tuple[dict[str, str], dict[str, str]]:
    """The notice's fields as kept, and every problem by field name."""
    fields: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in m.FORM_FIELDS:
        value = str(raw.get(name, "") or "").replace("\r\n", "\n").replace("\r", "\n")
        if problem := boundary.plain_text_problem(value, multiline=True):
            problems[name] = problem
            continue
        fields[name] = value.strip() if name not in m.TEXT_FIELDS else value.strip("\n ").rstrip()
    unknown = sorted(set(raw) - set(m.FORM_FIELDS))
    if unknown:
        problems[unknown[0]] = f"is not a notice field (the fields are: {', '.join(m.FORM_FIELDS)})"
    for name in REQUIRED:
        if name in fields and not fields[name]:
            problems[name] = "is required"
    for name, limit in LIMITS.items():
        if len(fields.get(name, "")) > limit:
            problems[name] = f"is {len(fields[name]):,} characters; at most {limit:,}"
    if "\n" in fields.get("short_description", ""):
        problems["short_description"] = "is one line"
    notice_date = fields.get("notice_date", "")
    if notice_date:
        day = parse_day(notice_date)
        if day is None:
            problems["notice_date"] = f"'{notice_date}' is not a date (write YYYY-MM-DD or MM/DD/YYYY)"
        elif day > today + timedelta(days=1):
            problems["notice_date"] = "cannot be in the future; a notice is dated the day it is published"
        else:
            fields["notice_date"] = day.isoformat()
    if fields.get("notice_type") and fields["notice_type"] not in m.NOTICE_TYPES:
        problems["notice_type"] = f"must be one of: {', '.join(m.NOTICE_TYPES)}"
    if fields.get("audience") and "audience" not in problems:
        kept, problem = _clean_audience(fields["audience"], market)
        if problem:
            problems["audience"] = problem
        else:
            fields["audience"] = kept
    if fields.get("days_affected"):
        days, problem = parse_days(fields["days_affected"])
        if problem:
            problems["days_affected"] = problem
        else:
            fields["days_affected"] = ", ".join(day.isoformat() for day in days)
    if fields.get("flight") and fields["flight"] not in flights:
        problems["flight"] = (
            f"there is no flight {fields['flight']}"
            if DESIGNATION.match(fields["flight"])
            else "must be a flight designation, MMYY"
        )
    if fields.get("reissue_of") and not NOTICE_ID.match(fields["reissue_of"]):
        problems["reissue_of"] = "must be an ERCOT notice ID such as M-A073012-01"
    return fields, problems


def _clean_audience(value: str, market: dict[str, MarketCompany]) -> tuple[str, str | None]:
    kinds, companies = [], []
    for token in audience_tokens(value):
        kind = _kind_of(token)
        if kind:
            kinds.append(kind)
            continue
        company = market.get(token)
        if company is None:
            by_name = [c for c in market.values() if c.name.lower() == token.lower()]
            company = by_name[0] if by_name else None
        if company is None or company.kind == "ERCOT":
            kinds_text = ", ".join(m.AUDIENCE_KINDS)
            return "", f"'{token}' is neither a kind of participant ({kinds_text}) nor a company's DUNS or name"
        companies.append(company.duns)
    return ", ".join(dict.fromkeys([*kinds, *companies])), None


def addressed(audience: str, market: dict[str, MarketCompany]) -> list[MarketCompany]:
    """The active companies a notice reaches: every one of the kinds it names, and each company it names."""
    kinds = {kind for token in audience_tokens(audience) if (kind := _kind_of(token))}
    named = {token for token in audience_tokens(audience) if not _kind_of(token)}
    found = [c for c in market.values() if c.active and (c.kind in kinds or c.duns in named)]
    return sorted(found, key=lambda c: c.name)


def audience_text(audience: str, names: dict[str, str]) -> str:
    """QSE -> QSEs; CR, TDSP -> CRs and TDSPs; a DUNS -> the company's name."""
    words = [m.AUDIENCE_KINDS.get(t) or names.get(t, t) for t in audience_tokens(audience)]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def days_text(days: list[date]) -> str:
    return "; ".join(f"{day:%B} {day.day}, {day.year}" for day in days)


def stem_of(notice_id: str) -> str:
    return notice_id.rsplit("-", 1)[0]


def new_stem(notice_date: date, stems_that_day: int) -> str:
    """The stem of a new notice: a letter for its rank among that day's notices, then MMDDYY."""
    if stems_that_day >= 26:
        raise ValueError("ERCOT notice IDs allow 26 new notices a day (A to Z)")
    return f"M-{chr(ord('A') + stems_that_day)}{notice_date:%m%d%y}"


def stem_pattern(notice_date: date) -> str:
    """SQL LIKE pattern for every stem of that day."""
    return f"M-_{notice_date:%m%d%y}"


def notice_id(stem: str, suffix: int) -> str:
    if suffix > 99:
        raise ValueError(f"{stem} has been reissued 98 times; write a new notice")
    return f"{stem}-{suffix:02d}"


def reminder_at(days_affected: list[date], needs_action: bool, hours_before: float, now: datetime) -> str:
    """When the reminder is due (ISO 8601), or empty: no action, no day, no reminder wanted, or already late."""
    if not needs_action or not days_affected or hours_before <= 0:
        return ""
    due = datetime.combine(days_affected[0], time(0, 0), CENTRAL) - timedelta(hours=hours_before)
    return due.isoformat() if due > now else ""
