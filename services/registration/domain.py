"""Registration rules: flight dates and the signup deadline, the registration form, the testing
umbrella of a DUNS+4 CR, what each caller may see. No I/O."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from flightrak import authz, boundary
from flightrak.market_time import CENTRAL
from flightrak.tokens import Principal
from workflows.flight import models as flights
from workflows.flight.models import FlightDates
from workflows.registration import models as m

REGISTRATION_CLOSES = time(17, 0)  # 5:00 PM Central on the signup deadline

CUSTOMER_CLASSES = {
    "residential": "Residential",
    "small_commercial": "Small Commercial",
    "large_commercial": "Large Commercial",
}
YES_NO = ("Yes", "No")
SELF_SERVED = "self"

FLIGHT_FIELD_LABELS = flights.FIELD_LABELS
REGISTRATION_FIELD_LABELS = m.FIELD_LABELS


def registration_closes_at(signup_deadline: date, at: time = REGISTRATION_CLOSES) -> datetime:
    """The instant registration closes: 5:00 PM in Chicago that day, CST or CDT as the date falls."""
    return datetime.combine(signup_deadline, at, tzinfo=CENTRAL)


def missing_local_time(day: date, at: time) -> bool:
    """On the spring-forward day Chicago's clocks jump from 2:00 to 3:00 AM: 2:30 does not happen there at all."""
    local = datetime.combine(day, at, tzinfo=CENTRAL)
    return local.astimezone(UTC).astimezone(CENTRAL).replace(tzinfo=None) != local.replace(tzinfo=None)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def valid_designation(designation: str) -> bool:
    """MMYY: the month and year testing starts, e.g. 0625."""
    return len(designation) == 4 and boundary.is_number(designation) and 1 <= int(designation[:2]) <= 12


def flight_dates(raw: dict[str, str], now: datetime) -> tuple[FlightDates | None, dict[str, str]]:
    """Parses and checks a flight's three dates: all given, in order, the deadline not yet passed."""
    problems: dict[str, str] = {}
    parsed: dict[str, date] = {}
    for name in ("signup_deadline", "day1_of_testing", "end_date"):
        value = raw.get(name, "")
        if not value.strip():
            problems[name] = "is required"
        elif (parsed_date := _date(value)) is None:
            problems[name] = f"'{value}' is not a date (YYYY-MM-DD)"
        else:
            parsed[name] = parsed_date
    closing_time = REGISTRATION_CLOSES
    if raw.get("signup_deadline_time", "").strip():
        try:
            closing_time = time.fromisoformat(raw["signup_deadline_time"].strip())
        except ValueError:
            problems["signup_deadline_time"] = f"'{raw['signup_deadline_time']}' is not a time of day (HH:MM)"
    deadline, day1, end = (parsed.get(n) for n in ("signup_deadline", "day1_of_testing", "end_date"))
    if deadline and "signup_deadline_time" not in problems and missing_local_time(deadline, closing_time):
        problems["signup_deadline_time"] = (
            f"{closing_time:%H:%M} does not happen in Central time on {deadline} (the clocks move from 2:00 to "
            "3:00 AM); choose another time"
        )
    elif deadline and registration_closes_at(deadline, closing_time) <= now:
        problems["signup_deadline"] = f"{deadline} is in the past: registration would already be closed"
    if deadline and day1 and day1 <= deadline:
        problems["day1_of_testing"] = "must be after the signup deadline"
    if day1 and end and end <= day1:
        problems["end_date"] = "must be after Day 1 of testing"
    if problems or deadline is None or day1 is None or end is None:  # a missing date is among the problems
        return None, problems
    closes_at = registration_closes_at(deadline, closing_time)
    return FlightDates(deadline.isoformat(), closes_at.isoformat(), day1.isoformat(), end.isoformat()), {}


@dataclass
class RegistrationChoices:
    """What the CR may choose from: its active users and lists, the market's TDSPs and SPs."""

    contacts: dict[str, str] = field(default_factory=dict)  # user ID -> name
    distribution_lists: dict[str, str] = field(default_factory=dict)  # email -> name
    tdsps: dict[str, str] = field(default_factory=dict)  # DUNS -> name
    service_providers: dict[str, str] = field(default_factory=dict)  # DUNS -> name


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def clean_registration(
    raw: dict[str, str], choices: RegistrationChoices, existing_cr: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Every field checked at once; returns the fields to keep (with the names of what was chosen)
    and a problem per invalid or missing field."""
    fields: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in ("primary_contact", "secondary_contact", "testing_contact"):
        chosen = raw.get(name, "").strip()
        if not chosen:
            problems[name] = "is required: choose one of the company's active users"
        elif chosen not in choices.contacts:
            problems[name] = "must be one of the company's active users"
        else:
            fields[name], fields[f"{name}_name"] = chosen, choices.contacts[chosen]
    business_list = raw.get("business_contact_list", "").strip().lower()
    if business_list and business_list not in choices.distribution_lists:
        problems["business_contact_list"] = "must be one of the company's distribution lists"
    fields["business_contact_list"] = business_list

    classes = _listed(raw.get("customer_classes", ""))
    unknown = [c for c in classes if c not in CUSTOMER_CLASSES]
    if not classes:
        problems["customer_classes"] = "choose at least one customer class"
    elif unknown:
        problems["customer_classes"] = f"unknown customer class {', '.join(unknown)}"
    fields["customer_classes"] = ",".join(c for c in CUSTOMER_CLASSES if c in classes)

    tdsps = sorted(set(_listed(raw.get("tdsps", ""))))
    unknown = [d for d in tdsps if d not in choices.tdsps]
    if not tdsps:
        problems["tdsps"] = "choose at least one TDSP to test with"
    elif unknown:
        problems["tdsps"] = f"not a TDSP in the market: {', '.join(unknown)}"
    fields["tdsps"] = ",".join(tdsps)
    fields["tdsp_names"] = "; ".join(choices.tdsps.get(d, d) for d in tdsps)

    for name, limit in (("edi_system", 100), ("bank_name", 100)):
        value = " ".join(raw.get(name, "").split())
        if not value:
            problems[name] = "is required"
        elif len(value) > limit:
            problems[name] = f"must be at most {limit} characters"
        fields[name] = value

    provider = raw.get(m.SERVICE_PROVIDER, "").strip()
    if not provider:
        problems[m.SERVICE_PROVIDER] = "is required: choose your Service Provider, or 'self' if you run your own EDI"
    elif provider != SELF_SERVED and provider not in choices.service_providers:
        problems[m.SERVICE_PROVIDER] = "must be a Service Provider in the market, or 'self'"
    fields[m.SERVICE_PROVIDER] = provider
    fields[m.SERVICE_PROVIDER_NAME] = choices.service_providers.get(provider, "Self (own EDI)" if provider else "")

    for name in m.EXISTING_CR_FIELDS:
        value = raw.get(name, "").strip()
        if not existing_cr:
            continue
        if value not in YES_NO:
            problems[name] = "answer Yes or No"
        fields[name] = value
    return fields, problems


def testing_umbrella(
    parent_duns: str, parent_name: str, parent_fields: dict[str, str] | None, fields: dict[str, str], existing_cr: bool
) -> tuple[str, str]:
    """How the CR tests, and why: a DUNS+4 CR tests under its parent's umbrella only when every
    registration field matches the parent's; otherwise as a new CR."""
    if not parent_duns:
        if existing_cr:
            return "Existing CR", "The CR was approved in an earlier flight."
        return "New CR", "The CR's first flight."
    if parent_fields is None:
        return "New CR", f"{parent_name} ({parent_duns}) has no registration to test under."
    differing = [REGISTRATION_FIELD_LABELS[n] for n in m.UMBRELLA_FIELDS if parent_fields.get(n, "") != fields.get(n)]
    if differing:
        return "New CR", f"Differs from {parent_name}'s registration in: {', '.join(differing)}."
    return f"Testing umbrella of {parent_name}", f"Every registration field matches {parent_name} ({parent_duns})."


def visible_fields(actor: Principal, cr_duns: str, fields: dict[str, str]) -> dict[str, str]:
    """A registration's fields as this caller may see them: the SP choice only for the CR, that SP and ERCOT."""
    if authz.may_see_service_provider(actor, cr_duns, fields.get(m.SERVICE_PROVIDER, "")):
        return dict(fields)
    return {name: value for name, value in fields.items() if name not in m.CONFIDENTIAL_FIELDS}


def visible_changes(actor: Principal, cr_duns: str, changes: dict[str, str]) -> dict[str, str]:
    """History may name an earlier Service Provider, so only the CR and ERCOT see SP changes."""
    if actor.is_ercot or actor.duns == cr_duns:
        return dict(changes)
    return {name: value for name, value in changes.items() if name not in m.CONFIDENTIAL_FIELDS}
