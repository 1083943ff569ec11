"""Calendars (issue 17 item 3) through the HTTP API on the real stack: a user makes a secret feed URL, a calendar app
fetches it without signing in and parses it with icalendar; the company's flights and the notices addressed to it
are there, another company's notice is not; ERCOT moving Day 1 moves the events that hang on it (same UID, SEQUENCE
one more) and no other; revoking, a new URL, a deactivated company and hostile tokens all answer 404."""

import asyncio
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar

from flightrak.market_time import CENTRAL
from tests.conftest import sign_in
from tests.registration_helpers import ONCOR, act, create_flight, new_cr, registered
from tests.test_invitations_and_lists import commit_user_request
from tests.test_notices_api import create, publish
from tests.test_rate_limits import assert_rate_limited, gateway_with

FLIGHT_EVENTS = ("signup-deadline", "connectivity-testing", "day-1", "business-testing", "end")


async def make_url(http, auth) -> str:
    reply = await http.post("/api/v1/me/calendar", headers=auth)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["active"] is True and body["url"].endswith(".ics") and "/calendar/ftcal_" in body["url"]
    return urlsplit(body["url"]).path  # the test client's base is the gateway


async def feed(http, path: str) -> dict[str, icalendar.Event]:
    """The feed's events by UID (without its @host)."""
    reply = await http.get(path)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(reply.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


async def company_calendar(http, auth) -> dict[str, icalendar.Event]:
    """The events of a new feed URL of the user `auth` signs in."""
    return await feed(http, await make_url(http, auth))


def day(event: icalendar.Event, name: str = "DTSTART") -> date:
    return event[name].dt


async def test_a_company_feed_holds_its_flights_and_notices_and_moves_with_change_dates(http):
    ercot = await sign_in(http, "admin@ercot.example")
    cr = await new_cr(http)
    mine, other = await create_flight(http, ercot), await create_flight(http, ercot)
    await registered(http, cr.ar, mine["designation"], cr.duns)
    addressed = await publish(
        http, ercot, (await create(http, ercot, audience=cr.duns, days_affected="2031-03-04, 2031-03-06"))["item_id"]
    )
    elsewhere = await publish(
        http, ercot, (await create(http, ercot, audience=ONCOR, days_affected="2031-03-05"))["item_id"]
    )
    path = await make_url(http, cr.user)
    shown = await http.get("/api/v1/me/calendar", headers=cr.user)
    assert shown.json()["active"] is True and shown.json()["url"] is None  # told once, when made

    events = await feed(http, path)
    a, b = mine["designation"], other["designation"]
    assert {f"flight-{a}-{key}" for key in FLIGHT_EVENTS} <= set(events)
    assert f"flight-{b}-signup-deadline" in events  # open for registration: the CR may sign up
    assert f"flight-{b}-day-1" not in events  # not in it
    deadline = events[f"flight-{a}-signup-deadline"]
    assert deadline["DTSTART"].dt == datetime.combine(
        date.fromisoformat(mine["signup_deadline"]), datetime.min.time().replace(hour=17), CENTRAL
    )
    assert str(deadline["DTSTART"].params["TZID"]) == "America/Chicago"
    day1 = events[f"flight-{a}-day-1"]
    assert day(day1) == date.fromisoformat(mine["day1_of_testing"])
    assert f"/items/{mine['item_id']}" in str(day1["DESCRIPTION"]) and str(day1["URL"]).endswith(
        f"/items/{mine['item_id']}"
    )
    stem = addressed["fields"]["notice_id"].rsplit("-", 1)[0]
    notice = events[f"notice-{stem}"]
    assert (day(notice), day(notice, "DTEND")) == (date(2031, 3, 4), date(2031, 3, 7))
    assert "2031-03-04, 2031-03-06" in str(notice["DESCRIPTION"])
    assert f"notice-{elsewhere['fields']['notice_id'].rsplit('-', 1)[0]}" not in events
    assert all(int(event["SEQUENCE"]) == 0 for event in events.values() if a in str(event["UID"]))

    moved_day1 = date.fromisoformat(mine["day1_of_testing"]) + timedelta(days=2)
    changed = await act(http, ercot, mine["item_id"], "change_dates", "Day 1 moves.", day1_of_testing=str(moved_day1))
    assert changed.status_code == 200, changed.text
    after = await feed(http, path)
    assert after[f"flight-{a}-day-1"]["UID"] == day1["UID"] and day(after[f"flight-{a}-day-1"]) == moved_day1
    sequences = {key: int(after[f"flight-{a}-{key}"]["SEQUENCE"]) for key in FLIGHT_EVENTS}
    assert sequences == {
        "signup-deadline": 0, "connectivity-testing": 1, "day-1": 1, "business-testing": 1, "end": 0
    }  # fmt: skip
    assert day(after[f"flight-{a}-connectivity-testing"], "DTEND") == moved_day1

    # ERCOT's staff see every flight.
    ercot_events = await feed(http, await make_url(http, ercot))
    assert {f"flight-{a}-day-1", f"flight-{b}-day-1"} <= set(ercot_events)

    # Each user's URL is their own: revoking one leaves the other; a new URL ends the one before.
    colleague = await make_url(http, cr.ar)
    assert colleague != path
    assert (await http.delete("/api/v1/me/calendar", headers=cr.user)).status_code == 204
    assert (await http.get(path)).status_code == 404
    assert (await http.get("/api/v1/me/calendar", headers=cr.user)).json() == {
        "active": False, "url": None, "created_at": None
    }  # fmt: skip
    assert (await http.get(colleague)).status_code == 200
    newer = await make_url(http, cr.ar)
    assert (await http.get(colleague)).status_code == 404 and (await http.get(newer)).status_code == 200

    # Made several times at once: each answered, one URL left working.
    made = await asyncio.gather(*(http.post("/api/v1/me/calendar", headers=cr.ar) for _ in range(4)))
    assert [reply.status_code for reply in made] == [201] * 4
    working = [(await http.get(urlsplit(r.json()["url"]).path)).status_code for r in made]
    assert sorted(working) == [200, 404, 404, 404]
    newer = urlsplit(made[working.index(200)].json()["url"]).path

    # A deactivated user's feed ends; then every feed of a deactivated company.
    leaving = await make_url(http, cr.bar)
    assert (await http.get(leaving)).status_code == 200
    bar_id = (await http.get("/api/v1/me", headers=cr.bar)).json()["user_id"]
    await commit_user_request(http, cr.ar, {"kind": "deactivate", "company_duns": cr.duns, "target_user_id": bar_id})
    assert (await http.get(leaving)).status_code == 404
    assert (await http.post(f"/api/v1/companies/{cr.duns}/deactivate", headers=ercot)).status_code == 200
    assert (await http.get(newer)).status_code == 404


async def test_hostile_feed_tokens_answer_404_with_one_message(http):
    """A token of FlighTrak's form or not, unknown: 404 with one message; bytes no URL of FlighTrak's holds (a NUL)
    are refused as every path's are (400 naming them); never a 500."""
    answers = []
    for token in (
        "x", "ftcal_", "ftcal_" + "A" * 43, "ftcal_" + "a" * 1000, "%F0%9F%92%A9",
        "ftcal_' OR '1'='1",
    ):  # fmt: skip
        reply = await http.get(f"/calendar/{token}.ics")
        assert reply.status_code == 404, (token, reply.status_code, reply.text)
        answers.append(reply.json()["error"]["message"])
    assert set(answers) == {"no such calendar"}
    assert (await http.get("/calendar/..%2F..%2Fetc%2Fpasswd.ics")).status_code == 404
    for malformed, words in (
        ("ftcal_%00", "NUL"),
        ("ftcal_%ff%fe", "UTF-8"),
        ("ftcal_%0d%0aSet-Cookie:x=1", "one line"),
    ):
        reply = await http.get(f"/calendar/{malformed}.ics")
        assert reply.status_code == 400 and words in reply.json()["error"]["message"], reply.text
    assert (await http.get("/api/v1/me/calendar")).status_code == 401


async def test_feed_fetches_are_limited_per_address_and_per_url(stack, settings):
    limits = {"rate_limit_calendar_feed_per_address": "3/minute", "rate_limit_calendar_feed_per_token": "2/minute"}
    async with gateway_with(settings, **limits) as client_from:
        guesser = client_from("203.0.113.7")
        for n in range(3):
            assert (await guesser.get(f"/calendar/ftcal_guess{n}.ics")).status_code == 404
        assert_rate_limited(await guesser.get("/calendar/ftcal_guess3.ics"), "calendar fetches")
        for address in ("203.0.113.8", "203.0.113.9"):
            assert (await client_from(address).get("/calendar/ftcal_same.ics")).status_code == 404
        assert_rate_limited(await client_from("203.0.113.10").get("/calendar/ftcal_same.ics"), "calendar fetches")
