"""Identity rules: DUNS numbers, user fields, sign-in lockout, the actions a request offers. No I/O."""

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flightrak import authz, boundary, roles
from flightrak.contacts import clean_email, normalize_phone
from flightrak.market_time import central_text
from flightrak.tokens import Principal
from workflows.user_admin import models as requests

COMPANY_KINDS = ("CR", "TDSP", "SP", "NOIE", "QSE", "ERCOT")
MIN_PASSWORD_LENGTH = 12
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_NAME_MAX = 80
_LIST_NAME_MAX = 200
ASK_FOR_A_NEW_LINK = "ask your MP Admin (or ERCOT) for a new link"


def validate_duns(duns: str, parent_duns: str = "") -> dict[str, str]:
    """A DUNS is 9 digits; a DUNS+4 is 13 and names its parent, whose DUNS it starts with."""
    problems: dict[str, str] = {}
    if not boundary.is_number(duns) or len(duns) not in (9, 13):
        problems["duns"] = "must be 9 digits (DUNS) or 13 digits (DUNS+4)"
    elif len(duns) == 13:
        if not parent_duns:
            problems["parent_duns"] = "a DUNS+4 company needs its parent's DUNS"
        elif parent_duns != duns[:9]:
            problems["parent_duns"] = f"a DUNS+4 starts with its parent's DUNS; {duns} does not start {parent_duns}"
    elif parent_duns:
        problems["parent_duns"] = "only a DUNS+4 (13 digits) company has a parent"
    return problems


def normalize_email(email: str) -> str:
    return email.strip().lower()


def clean_user_fields(fields: dict[str, str], partial: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """Returns (cleaned fields, problems by field). With partial, absent fields are left alone."""
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in requests.USER_FIELDS:
        if name not in fields and partial:
            continue
        value = (fields.get(name) or "").strip()
        if not value:
            problems[name] = "is required"
            continue
        if name in ("first_name", "last_name"):
            if len(value) > _NAME_MAX:
                problems[name] = f"must be at most {_NAME_MAX} characters"
        elif name == "employee_id":
            if not _EMPLOYEE_ID.match(value):
                problems[name] = "must be 1-32 letters, digits, '.', '_' or '-'"
        elif name == "email":
            value, problem = clean_email(value)
            if problem:
                problems[name] = problem
        elif name == "phone":
            phone = normalize_phone(value)
            if phone is None:
                problems[name] = "must be a 10-digit North American phone number, such as 512-555-0100"
            else:
                value = phone
        cleaned[name] = value
    return cleaned, problems


def clean_distribution_list(name: str, email: str) -> tuple[dict[str, str], dict[str, str]]:
    """Returns ({name, email} cleaned, problems by field) for a company's distribution list."""
    problems: dict[str, str] = {}
    name = name.strip()
    if not name:
        problems["name"] = "is required"
    elif len(name) > _LIST_NAME_MAX:
        problems["name"] = f"must be at most {_LIST_NAME_MAX} characters"
    email = email.strip()
    if not email:
        problems["email"] = "is required"
    else:
        email, problem = clean_email(email)
        if problem:
            problems["email"] = problem
    return {"name": name, "email": email}, problems


def clean_distribution_lists(
    lists: list[tuple[str, str]], first_admin_email: str
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A new company's lists, each as clean_distribution_list; problems named distribution_lists[i].field."""
    cleaned: list[dict[str, str]] = []
    problems: dict[str, str] = {}
    seen = {first_admin_email}
    for index, (name, email) in enumerate(lists):
        fields, found = clean_distribution_list(name, email)
        if not found and fields["email"] in seen:
            found = {"email": f"{fields['email']} is given twice (or is the first admin's address)"}
        seen.add(fields["email"])
        cleaned.append(fields)
        problems |= {f"distribution_lists[{index}].{field}": problem for field, problem in found.items()}
    return cleaned, problems


def validate_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"must be at least {MIN_PASSWORD_LENGTH} characters"}
    return {}


def validate_roles(requested: list[str], company_kind: str) -> dict[str, str]:
    unknown = sorted(set(requested) - roles.ALL_ROLES)
    if unknown:
        return {"roles": f"unknown roles: {', '.join(unknown)}"}
    ercot_only = set(requested) & roles.ERCOT_ROLES
    if ercot_only and company_kind != "ERCOT":
        return {"roles": "ERCOT roles belong to ERCOT staff only"}
    if company_kind == "ERCOT" and set(requested) & (roles.PARTICIPANT_ROLES - {roles.USER}):
        return {"roles": "ERCOT staff hold ERCOT roles, not market participant roles"}
    return {}


def new_invitation_token() -> tuple[str, str]:
    """A one-time set-password token and the hash that is all the database keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def invitation_token_hash(token: str) -> str:
    # The token is 256 random bits, so a fast hash is enough and lets the hash be looked up.
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationRecord(Protocol):
    expires_at: datetime
    used_at: datetime | None
    superseded_at: datetime | None


def invitation_problems(invitation: InvitationRecord | None, user_active: bool, now: datetime) -> dict[str, str]:
    """Why a set-password link cannot be used now, by field; empty when it can."""
    if invitation is None:
        problem = f"this link is not valid; {ASK_FOR_A_NEW_LINK}"
    elif invitation.used_at is not None:
        problem = f"this link was already used; {ASK_FOR_A_NEW_LINK}"
    elif invitation.superseded_at is not None:
        problem = "a newer link was issued for this user; use the newest one"
    elif invitation.expires_at <= now:
        problem = f"this link expired on {central_text(invitation.expires_at)}; {ASK_FOR_A_NEW_LINK}"
    elif not user_active:
        problem = "this user is deactivated"
    else:
        return {}
    return {"token": problem}


@dataclass(frozen=True)
class SignInDecision:
    allowed: bool
    reason: str = ""


def sign_in_allowed(locked_until: datetime | None, now: datetime) -> SignInDecision:
    if locked_until is not None and locked_until > now:
        return SignInDecision(False, f"too many failed sign-ins; try again in {time_left(locked_until - now)}")
    return SignInDecision(True)


def time_left(left: timedelta) -> str:
    """14 minutes 5 seconds, as long as it really is (rounded up to the second)."""
    seconds = max(1, math.ceil(left.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    if seconds:
        parts.append(f"{seconds} second{'s' if seconds != 1 else ''}")
    return " ".join(parts)


def after_failed_sign_in(
    failures: int, now: datetime, max_failures: int, lockout: timedelta
) -> tuple[int, datetime | None]:
    """Counts a failure; the max-th in a row locks the account for the lockout period."""
    failures += 1
    if failures >= max_failures:
        return 0, now + lockout
    return failures, None


def user_request_actions(state: str, kind: str, actor: Principal, company_duns: str) -> list[dict]:
    """The buttons an item offers this caller now; exactly what the API accepts."""
    if not authz.may_administer_users(actor, company_duns) or state in requests.CLOSED_STATES:
        return []
    edit_fields = [] if kind == requests.DEACTIVATE else list(requests.USER_FIELDS)
    actions = []
    if state in (requests.NEW, requests.PENDING_COMMIT):
        actions.append({"name": requests.OK, "label": "OK", "requires_comment": False, "fields": edit_fields})
    if state == requests.PENDING_COMMIT:
        actions.append({"name": requests.COMMIT, "label": "Commit", "requires_comment": False, "fields": []})
    actions.append({"name": requests.CANCEL, "label": "Cancel", "requires_comment": False, "fields": []})
    return actions


_SYSTEM_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
SYSTEM_KEY_PREFIX = "ftsys_"
DEMO_TRANSACTION_SYSTEM = "demo-transaction-gateway"
DEMO_TRANSACTION_SYSTEM_NAME = "Demo transaction gateway"


def clean_transaction_system(system_id: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """Returns ({system_id, name} cleaned, problems by field) for a system ERCOT registers."""
    problems: dict[str, str] = {}
    system_id, name = system_id.strip(), name.strip()
    if not system_id:
        problems["system_id"] = "is required"
    elif not _SYSTEM_ID.match(system_id):
        problems["system_id"] = (
            "must be 3-64 lower-case letters, digits and '-', starting and ending with a letter or digit, "
            "such as ercot-texas-set-gateway"
        )
    if not name:
        problems["name"] = "is required"
    elif len(name) > _LIST_NAME_MAX:
        problems["name"] = f"must be at most {_LIST_NAME_MAX} characters"
    return {"system_id": system_id, "name": name}, problems


def new_system_key() -> str:
    """A transaction system's secret key: shown once, kept only as its argon2 hash."""
    return SYSTEM_KEY_PREFIX + secrets.token_urlsafe(32)


def demo_system_key(demo_password: str) -> str:
    """The demo system's key, derived from the demo password so every start (and the banner) knows it."""
    return f"{SYSTEM_KEY_PREFIX}demo_{hashlib.sha256(demo_password.encode()).hexdigest()[:32]}"


# Why a session ended, as recorded, and what a caller holding one of its tokens is told.
SIGNED_OUT, DEACTIVATED, ROLES_CHANGED = "signed out", "deactivated", "roles changed"
KEY_REPLACED, SYSTEM_DEACTIVATED = "key replaced", "system deactivated"
COMPANY_DEACTIVATED = "company deactivated"
_REVOKED_WORDS = {
    SIGNED_OUT: "you signed out; sign in again",
    DEACTIVATED: "this account is deactivated",
    ROLES_CHANGED: "your roles changed; sign in again to use them",
    KEY_REPLACED: "this system's key was replaced; sign in with the new key",
    SYSTEM_DEACTIVATED: "this transaction system is deactivated",
    COMPANY_DEACTIVATED: "your company is deactivated in FlighTrak",
}


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def revoked_words(because: str | None) -> str | None:
    """None for a current session (nothing revoked it)."""
    if because is None:
        return None
    return _REVOKED_WORDS.get(because, "this session has ended; sign in again")


def system_principal(system_id: str, name: str, ercot_duns: str, session_id: str = "") -> Principal:
    """Who a signed-in system is: ERCOT's system, with the transaction-system role only (no staff role)."""
    return Principal(
        user_id=f"{roles.SYSTEM_USER_PREFIX}{system_id}",
        duns=ercot_duns,
        roles=frozenset({roles.TRANSACTION_SYSTEM}),
        name=name,
        company_kind=roles.SYSTEM_COMPANY_KIND,
        session_id=session_id,
    )
