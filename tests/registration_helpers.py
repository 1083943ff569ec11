"""Flights and registrations for tests, through the public API as a client would make them."""

import asyncio
import itertools
import random
import time
from datetime import date, datetime, timedelta
from typing import NamedTuple

import httpx

from flightrak.market_time import CENTRAL
from tests.conftest import new_user_fields, sign_in, unique
from tests.test_invitations_and_lists import commit_user_request, invite, set_password, users_by_email

LONESTAR = "079348512"
LONESTAR_EAST = "0793485120001"
BLUEBONNET = "116724480"
ONCOR = "103994067"
CENTERPOINT = "957877905"
TNMP = "007929441"
EDIGATE = "601234587"
ERCOT = "183529049"

# Every MMYY designation, in a random order: each test takes its own flight.
_DESIGNATIONS = [f"{month:02d}{year:02d}" for month in range(1, 13) for year in range(100)]
random.shuffle(_DESIGNATIONS)
_designations = iter(_DESIGNATIONS)
_tags = itertools.count(1)


def next_designation() -> str:
    return next(_designations)


PASSWORD = "A-strong-password-9"


class Tdsp(NamedTuple):
    duns: str
    ar: dict  # the headers of its AR (also its MP Admin and a user)


class Cr(NamedTuple):
    duns: str
    name: str
    ar: dict  # the headers of its first admin: AR and MP Admin
    bar: dict  # the headers of its BAR
    user: dict  # the headers of a user with no other role


async def new_company(http: httpx.AsyncClient, kind: str, duns: str, name: str, parent_duns: str = "") -> dict:
    """A company ERCOT makes as it makes any new market participant, its first admin made its AR (and MP Admin).
    The headers of that admin."""
    ercot = await sign_in(http, "admin@ercot.example")
    admin = new_user_fields(email=f"ar.{duns}@{kind.lower()}.example")
    made = await http.post(
        "/api/v1/companies",
        headers=ercot,
        json={
            "name": name,
            "duns": duns,
            "kind": kind,
            "parent_duns": parent_duns,
            "first_admin": {**admin, "password": PASSWORD},
        },
    )
    assert made.status_code == 201, made.text
    me = (await http.get("/api/v1/me", headers=await sign_in(http, admin["email"], PASSWORD))).json()
    roles = await http.put(f"/api/v1/users/{me['user_id']}/roles", headers=ercot, json={"roles": ["mp_admin", "ar"]})
    assert roles.status_code == 200, roles.text
    return await sign_in(http, admin["email"], PASSWORD)  # the role change ended that session


async def new_tdsp(http: httpx.AsyncClient) -> Tdsp:
    """A TDSP of the test's own: no other test's script issues are paired with it, so every transaction between it
    and ERCOT is the test's."""
    duns = f"8{random.randrange(10**8):08d}"
    return Tdsp(duns, await new_company(http, "TDSP", duns, f"Brazos Wires {duns} LLC"))


async def new_cr(http: httpx.AsyncClient, parent: Cr | None = None) -> Cr:
    """A CR of the test's own, new to the market (no flight has approved it), with the three users a registration
    names as contacts: its first admin (AR and MP Admin), a BAR and a plain user. Given a parent, a DUNS+4 of it."""
    duns = f"{parent.duns}{random.randrange(10**4):04d}" if parent else f"7{random.randrange(10**8):08d}"
    name = f"Prairie Power {duns} LLC"
    ar = await new_company(http, "CR", duns, name, parent.duns if parent else "")
    return Cr(duns, name, ar, await new_member(http, ar, duns, ["bar", "user"]), await new_member(http, ar, duns))


async def new_member(http: httpx.AsyncClient, mp_admin: dict, duns: str, roles: list[str] | None = None) -> dict:
    """A user the company's MP Admin adds, given `roles` by ERCOT, signed in from the set-password link."""
    fields = new_user_fields(email=f"{unique('')}.{duns}@cr.example")
    await commit_user_request(http, mp_admin, {"kind": "add", "fields": fields})
    user_id = (await users_by_email(http, mp_admin, duns))[fields["email"]]["user_id"]
    if roles:
        ercot = await sign_in(http, "admin@ercot.example")
        given = await http.put(f"/api/v1/users/{user_id}/roles", headers=ercot, json={"roles": roles})
        assert given.status_code == 200, given.text
    assert (await set_password(http, await invite(http, mp_admin, user_id), PASSWORD)).status_code == 200
    return await sign_in(http, fields["email"], PASSWORD)


async def create_flight(http: httpx.AsyncClient, ercot: dict, **overrides) -> dict:
    """A flight open for registration for a month: a test closes it when it needs to (registration_closed)."""
    deadline = date.today() + timedelta(days=30)
    body = {
        "designation": next_designation(),
        "signup_deadline": deadline.isoformat(),
        "signup_deadline_time": "",
        "day1_of_testing": (deadline + timedelta(days=14)).isoformat(),
        "end_date": (deadline + timedelta(days=56)).isoformat(),
    } | overrides
    reply = await http.post("/api/v1/flights", json=body, headers=ercot)
    assert reply.status_code == 201, reply.text
    return reply.json()


def closing_soon(seconds: int) -> tuple[date, str]:
    """A deadline `seconds` from now, as (date, HH:MM:SS Central)."""
    moment = datetime.now(CENTRAL) + timedelta(seconds=seconds)
    return moment.date(), moment.strftime("%H:%M:%S")


async def registration_closed(http: httpx.AsyncClient, ercot: dict, flight: dict) -> dict:
    """ERCOT moves the flight's signup deadline to a few seconds from now (Change Dates), and the flight's own timer
    closes registration then: what the test did first was done before the deadline, however slow the machine.
    The flight as the API then shows it."""
    for seconds in (2, 5, 15):
        deadline, closes = closing_soon(seconds)
        dates = {"signup_deadline": deadline.isoformat(), "signup_deadline_time": closes}
        moved = await act(http, ercot, flight["item_id"], "change_dates", "Registration closes now.", **dates)
        if moved.status_code == 200:
            break
        # The moment passed before the change reached the flight (a loaded machine): a later one.
        assert moved.status_code == 400 and "signup_deadline" in moved.json()["error"]["fields"], moved.text
    else:
        raise AssertionError("no moment from now was still ahead when the change reached the flight")
    give_up = time.monotonic() + 60
    while (shown := await flight_shown(http, ercot, flight["designation"]))["state"] != "Registration Closed":
        assert time.monotonic() < give_up, f"the timer did not close registration: {shown}"
        await asyncio.sleep(0.2)
    return shown


async def flight_shown(http: httpx.AsyncClient, auth: dict, designation: str) -> dict:
    reply = await http.get(f"/api/v1/flights/{designation}", headers=auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def contacts_of(http: httpx.AsyncClient, auth: dict, duns: str) -> list[str]:
    reply = await http.get(f"/api/v1/companies/{duns}/users", headers=auth)
    assert reply.status_code == 200, reply.text
    return [u["user_id"] for u in reply.json()["users"] if u["active"]]


async def registration_fields(
    http: httpx.AsyncClient, auth: dict, duns: str, existing_cr: bool | None = None, **overrides
) -> dict[str, str]:
    """The questions asked only of an existing CR are answered when it is one; a seeded CR (existing_cr None) may or
    may not be, as other tests left it, so they are answered for either case (a new CR's answers are ignored)."""
    contacts = await contacts_of(http, auth, duns)
    existing_cr_answers = {"changing_banks": "No", "system_change": "No"} if existing_cr is not False else {}
    return {
        "primary_contact": contacts[0],
        "secondary_contact": contacts[1],
        "testing_contact": contacts[2],
        "customer_classes": "residential,small_commercial",
        "tdsps": f"{ONCOR},{CENTERPOINT}",
        "edi_system": "Sterling B2B Integrator 6.1",
        "bank_name": "Frost Bank",
        "service_provider": EDIGATE,
        **existing_cr_answers,
    } | overrides


async def register(http: httpx.AsyncClient, auth: dict, designation: str, fields: dict) -> httpx.Response:
    return await http.post(f"/api/v1/flights/{designation}/registrations", json={"fields": fields}, headers=auth)


async def act(http: httpx.AsyncClient, auth: dict, item_id: int, action: str, comment: str = "", **fields):
    body = {"action": action, "comment": comment, "fields": fields}
    return await http.post(f"/api/v1/items/{item_id}/actions", json=body, headers=auth)


async def report(http: httpx.AsyncClient, auth: dict, name: str, **params) -> dict:
    reply = await http.get(f"/api/v1/reports/{name}", params=params, headers=auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def registered(http: httpx.AsyncClient, auth: dict, designation: str, duns: str, **overrides) -> dict:
    """A registration in Pending Submittal."""
    reply = await register(http, auth, designation, await registration_fields(http, auth, duns, **overrides))
    assert reply.status_code == 201, reply.text
    return reply.json()


async def approved(http: httpx.AsyncClient, auth: dict, reviewer: dict, designation: str, duns: str, **overrides):
    item = await registered(http, auth, designation, duns, **overrides)
    assert (await act(http, auth, item["item_id"], "submit")).status_code == 200
    reply = await act(http, reviewer, item["item_id"], "approve")
    assert reply.status_code == 200, reply.text
    return reply.json()
