"""Dashboards users compose (guide §4, "Create your own Dashboard"; issue 15 item 3): kept per user, shared read-only
with the owner's company, refused field by field, exported report by report."""

import csv
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from tests.conftest import sign_in, unique
from tests.registration_helpers import create_flight, new_cr, registered, registration_closed


async def compose(http, headers, **body) -> dict:
    reply = await http.post("/api/v1/dashboards", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def test_a_dashboard_is_kept_shared_with_colleagues_and_hidden_from_other_companies(http):
    owner = await sign_in(http, "ar@lonestar.example")
    colleague = await sign_in(http, "user@lonestar.example")
    stranger = await sign_in(http, "user@bluebonnet.example")
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    name = unique("Lone Star flights ")
    reports = [
        {"report": "available-flights", "search": flight["designation"]},
        {"report": "flight-registration-records", "flight": flight["designation"]},
    ]
    made = await compose(http, owner, name=name, shared=False, reports=reports)
    assert made["mine"] and made["owner_name"] and made["company_duns"] == "079348512"
    assert [r["report"] for r in made["reports"]] == ["available-flights", "flight-registration-records"]
    assert made["reports"][1]["flight"] == flight["designation"]

    dashboard = f"/api/v1/dashboards/{made['dashboard_id']}"
    assert (await http.get(dashboard, headers=colleague)).status_code == 404  # not shared yet
    assert made["dashboard_id"] not in [d["dashboard_id"] for d in (await listed(http, colleague))]

    shared = await http.put(dashboard, json={"name": name, "shared": True, "reports": reports}, headers=owner)
    assert shared.status_code == 200, shared.text
    assert shared.json()["shared"] is True
    seen = await http.get(dashboard, headers=colleague)
    assert seen.status_code == 200, seen.text
    assert seen.json()["mine"] is False and seen.json()["name"] == name
    assert made["dashboard_id"] in [d["dashboard_id"] for d in await listed(http, colleague)]

    # Read-only for the colleague; invisible to another company, whatever it tries.
    changed = await http.put(
        dashboard, json={"name": "Mine now", "shared": True, "reports": reports}, headers=colleague
    )
    assert changed.status_code == 403, changed.text
    assert (await http.delete(dashboard, headers=colleague)).status_code == 403
    for attempt in (
        http.get(dashboard, headers=stranger),
        http.put(dashboard, json={"name": "x", "reports": reports}, headers=stranger),
        http.delete(dashboard, headers=stranger),
        http.get(f"{dashboard}/reports/0?format=csv", headers=stranger),
    ):
        assert (await attempt).status_code == 404
    assert made["dashboard_id"] not in [d["dashboard_id"] for d in await listed(http, stranger)]

    # The saved search keeps the one flight's row, in JSON, CSV and Excel alike.
    rows = (await http.get(f"{dashboard}/reports/0", headers=colleague)).json()["rows"]
    assert [row["Flight Designation"] for row in rows] == [flight["designation"]]
    as_csv = await http.get(f"{dashboard}/reports/0?format=csv", headers=colleague)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0] == ["Item ID", "Flight Designation", "Flight Signup Deadline"]
    assert [row[1] for row in table[1:]] == [flight["designation"]]
    as_xlsx = await http.get(f"{dashboard}/reports/0?format=xlsx", headers=owner)
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert str(sheet.cell(2, 2).value).zfill(4) == flight["designation"] and sheet.max_row == 2
    assert (await http.get(f"{dashboard}/reports/2", headers=owner)).status_code == 404

    # The page's regions move by themselves (static/live.js) and keep their filters when they do.
    page = await http.get(f"/my-dashboards/{made['dashboard_id']}?flight=", headers=colleague)
    region = f"/my-dashboards/{made['dashboard_id']}/reports/0/live?flight=&amp;search="
    assert page.status_code == 200 and f'data-live-src="{region}"' in page.text
    moved = await http.get(region.replace("&amp;", "&"), headers=colleague)
    assert moved.status_code == 200 and f'data-live-src="{region}"' in moved.text
    assert f">{flight['designation']}<" in moved.text and moved.text.count("<tr data-item-id=") == 1

    assert (await http.delete(dashboard, headers=owner)).status_code == 204
    assert (await http.get(dashboard, headers=owner)).status_code == 404


async def listed(http, headers) -> list[dict]:
    reply = await http.get("/api/v1/dashboards", headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["dashboards"]


async def test_every_bad_field_is_named_and_nothing_is_kept(http):
    cr_user = await sign_in(http, "user@lonestar.example")
    before = len(await listed(http, cr_user))
    reply = await http.post(
        "/api/v1/dashboards",
        json={
            "name": " ",
            "reports": [
                {"report": "registrations-for-review"},  # ERCOT's work queue: not the CR's to see
                {"report": "no-such-report"},
                {"report": "available-flights", "flight": "1399", "state": "Open for Registration"},
                {"report": "my-script-tasks", "responsible_party": "O" * 201},
            ],
        },
        headers=cr_user,
    )
    assert reply.status_code == 400, reply.text
    fields = reply.json()["error"]["fields"]
    assert fields["name"] == "is required", fields
    assert "may see" in fields["reports[0].report"]
    assert "no report" in fields["reports[1].report"]
    assert "MMYY" in fields["reports[2].flight"]
    assert "no State column" in fields["reports[2].state"]
    assert "reports[3].responsible_party" in fields
    assert len(await listed(http, cr_user)) == before

    empty = await http.post("/api/v1/dashboards", json={"name": "Nothing", "reports": []}, headers=cr_user)
    assert empty.status_code == 400 and "reports" in empty.json()["error"]["fields"]
    beyond = f"/api/v1/dashboards/{2**90}"  # an ID that cannot exist is not found, like any other unknown one
    assert (await http.get(beyond, headers=cr_user)).status_code == 404
    assert (await http.delete(beyond, headers=cr_user)).status_code == 404


async def test_ercot_may_compose_its_own_review_queue(http):
    reviewer = await sign_in(http, "reviewer@ercot.example")
    made = await compose(
        http,
        reviewer,
        name=unique("Review "),
        reports=[{"report": "registrations-for-review"}, {"report": "ercot-script-tasks"}],
    )
    reply = await http.get(f"/api/v1/dashboards/{made['dashboard_id']}/reports/1", headers=reviewer)
    assert reply.status_code == 200 and reply.json()["report"] == "ercot-script-tasks"


def selected_flight(page: str) -> str:
    """The flight a dashboard page's selector shows."""
    found = re.search(r'<option value="([^"]*)" selected>', page)
    assert found, "the dashboard has no flight selector"
    return found.group(1)


async def test_a_dashboard_starts_at_the_readers_active_flight(http):
    """ERCOT: the newest flight in progress. A participant: the newest flight its company is registered in, else the
    newest in progress (issue 15 item 4)."""
    ercot = await sign_in(http, "admin@ercot.example")
    later = date.today() + timedelta(days=400)
    in_progress = await create_flight(
        http, ercot, day1_of_testing=later.isoformat(), end_date=(later + timedelta(days=30)).isoformat()
    )
    await registration_closed(http, ercot, in_progress)
    open_flight = await create_flight(http, ercot)
    cr = await new_cr(http)

    async def shown(headers, path="/dashboards/current-flight-tasks") -> str:
        page = await http.get(path, headers=headers)
        assert page.status_code == 200, page.text
        return selected_flight(page.text)

    assert await shown(ercot) == in_progress["designation"]
    assert await shown(cr.ar) == in_progress["designation"]  # registered nowhere yet
    await registered(http, cr.ar, open_flight["designation"], cr.duns)
    assert await shown(cr.ar) == open_flight["designation"]
    assert (
        await shown(cr.ar, f"/dashboards/current-flight-tasks?flight={in_progress['designation']}")
        == (in_progress["designation"])
    )
    assert await shown(cr.ar, "/") == ""  # General lists flights: every one
