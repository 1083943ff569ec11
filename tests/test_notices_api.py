"""Market notices through the HTTP API and the pages, on real PostgreSQL, the Temporal dev server and a real SMTP
server (aiosmtpd): the seed notice round trip, audience targeting, reissue numbering, acknowledgement, an SMTP
outage that loses nothing, subscriptions, every problem of bad input named, and injection rendered inert."""

import asyncio
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flightrak.demo_notices import NPRR348
from services.gateway.auth import SESSION_COOKIE, csrf_token
from tests.conftest import sign_in
from tests.registration_helpers import ONCOR, act, create_flight, report

SEED = Path(__file__).parent / "notices" / "seed_004.txt"
BRAZOS, PECOS = "148203657", "073915264"
QSE_LISTS = {"certification@brazos-qse.example", "certification@pecos-qse.example"}
SEED_LABELS = (
    "NOTICE DATE",
    "NOTICE TYPE",
    "SHORT DESCRIPTION",
    "INTENDED AUDIENCE",
    "DAY AFFECTED",
    "LONG DESCRIPTION",
    "ACTION REQUIRED",
    "ADDITIONAL INFORMATION",
    "CONTACT",
)


def seed_sections() -> dict[str, list[str]]:
    """The seed notice's sections, each as its non-blank paragraphs (the table flattened to one cell a line)."""
    text = SEED.read_text(encoding="utf-8")
    parts = re.split(r"^(" + "|".join(SEED_LABELS) + r"):\xa0 ", text, flags=re.M)
    return {
        parts[i]: [p.strip() for p in parts[i + 1].split("\n\n") if p.strip("\xa0 \n")] for i in range(1, len(parts), 2)
    }


class Tables(HTMLParser):
    """Every <table class="notice-table"> of a page: its rows of cells, a cell's lines kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "notice-table") in attrs:
            self.tables.append([])
            self._depth = 1
        elif self._depth and tag == "tr":
            self.tables[-1].append([])
        elif self._depth and tag in ("td", "th"):
            self._cell = [""]
        elif self._cell is not None and tag == "br":
            self._cell.append("")

    def handle_endtag(self, tag):
        if self._depth and tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append([line.strip() for line in self._cell])
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth = 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[-1] += data


def notice_tables(html: str) -> list[list[list[list[str]]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


async def create(http, auth, **fields) -> dict:
    body = {
        "notice_type": "Testing",
        "short_description": f"Market test window {uuid.uuid4().hex[:6]}",
        "audience": "QSE",
        "long_description": "ERCOT will run a market test.",
        "action_required": "",
        "contact": "ERCOT Client Services, (512) 248-3900",
    } | fields
    reply = await http.post("/api/v1/notices", json={"fields": body}, headers=auth)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def publish(http, auth, item_id: int) -> dict:
    reply = await act(http, auth, item_id, "publish")
    assert reply.status_code == 200, reply.text
    return reply.json()


async def notice(http, auth, ref) -> dict:
    reply = await http.get(f"/api/v1/notices/{ref}", headers=auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def eventually(check, within: float = 30.0):
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.2)


def mails_of(smtp_sink, notice_id: str) -> list:
    return [mail for mail in smtp_sink.keeper.parsed() if mail["X-FlighTrak-Notice"] == notice_id]


async def page_session(http, settings, email: str) -> tuple[dict, str]:
    """A browser's session: the cookie and the CSRF token its forms carry."""
    reply = await http.post("/api/v1/session", json={"email": email, "password": "Test-demo-password-1"})
    token = reply.json()["token"]
    return {SESSION_COOKIE: token}, csrf_token(settings.token_secret, token)


async def test_the_seed_notice_round_trips_form_stored_page_mail(http, settings, smtp_sink):
    ercot_cookies, csrf = await page_session(http, settings, "admin@ercot.example")
    form = {name: value for name, value in NPRR348.items() if name != "audience"} | {"csrf_token": csrf}
    posted = await http.post("/notices/new", data=form | {"audience": "QSE"}, cookies=ercot_cookies)
    assert posted.status_code == 303, posted.text
    item_id = int(posted.headers["location"].rsplit("/", 1)[1])
    ercot = await sign_in(http, "admin@ercot.example")

    stored = await notice(http, ercot, item_id)
    assert stored["state"] == "Draft" and stored["notice_id"] == ""
    for name in (
        "notice_date",
        "notice_type",
        "short_description",
        "long_description",
        "action_required",
        "additional_information",
        "contact",
        "reissue_of",
    ):
        assert stored[name] == NPRR348[name], name
    assert stored["days_affected"] == ["2012-08-29"] and stored["audience"] == "QSE"

    published = await http.post(
        f"/notices/{item_id}/actions", data={"action": "publish", "csrf_token": csrf}, cookies=ercot_cookies
    )
    assert published.status_code == 303, published.text
    stored = await notice(http, ercot, item_id)
    assert re.fullmatch(r"M-A073012-(\d\d)", stored["notice_id"]) and int(stored["notice_id"][-2:]) >= 2
    assert stored["audience_text"] == "QSEs"
    assert {r["company_duns"] for r in stored["recipients"]} >= {BRAZOS, PECOS}

    seed = seed_sections()
    seed_table = seed["ADDITIONAL INFORMATION"][1:]
    qse_cookies, _ = await page_session(http, settings, "user@pecos-qse.example")
    page = (await http.get(f"/notices/{item_id}", cookies=qse_cookies)).text
    for label in SEED_LABELS:
        assert f"{label}:" in page
    for paragraph in seed["LONG DESCRIPTION"] + seed["ACTION REQUIRED"] + seed["SHORT DESCRIPTION"]:
        assert paragraph.replace("\xa0", " ")[:60] in page.replace("\xa0", " ").replace("&#34;", '"'), paragraph
    assert "2012-08-29" in page and "2012-08-17" in page and f"{stored['notice_id']} NPRR" in page
    [table] = notice_tables(page)
    assert table[0] == [["Bill Determinant"], ["Short Description"], ["Extract"], ["Extract Table"]]
    assert len(table) == 6 and all(len(row) == 4 for row in table)
    assert [line for row in table for cell in row for line in cell] == seed_table
    assert table[2] == [
        ["STATUSSTARTUP"],
        ["Indicates the Telemetered Resource status of Start-Up has been submitted to ERCOT"],
        ["SID", "RTM CODE"],
        ["MKTINPUTHEADER", "MKTINPUTINTERVAL"],
    ]

    mails = await eventually(
        lambda: asyncio.sleep(0, r if len(r := [m for m in mails_of(smtp_sink, stored["notice_id"])]) >= 2 else None)
    )
    assert {m["To"] for m in mails} >= QSE_LISTS
    mail = mails[0]
    assert mail["Subject"] == f"{stored['notice_id']} NPRR: {NPRR348['short_description']}"
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "NOTICE DATE:  August 17, 2012" in plain
    assert f"NOTICE TYPE:  {stored['notice_id']} NPRR" in plain
    assert "DAY AFFECTED:  August 29, 2012" in plain and "INTENDED AUDIENCE:  QSEs" in plain
    assert re.search(r"STATUSSTARTUP +Indicates the Telemetered Resource +SID +MKTINPUTHEADER", plain)
    [mailed_table] = notice_tables(html)
    assert mailed_table == table
    assert "/notices/subscriptions?list=" in plain and mail["List-Unsubscribe"].startswith("<http")


async def test_a_tdsp_never_sees_a_qse_only_notice(http, settings):
    ercot = await sign_in(http, "admin@ercot.example")
    created = await create(http, ercot, action_required="Confirm your shadow settlement systems.")
    published = await publish(http, ercot, created["item_id"])
    notice_id = published["fields"]["notice_id"]

    oncor = await sign_in(http, "ar@oncor.example")
    listed = (await http.get("/api/v1/notices", headers=oncor)).json()["notices"]
    assert created["item_id"] not in [n["item_id"] for n in listed]
    for path in (
        f"/api/v1/notices/{created['item_id']}",
        f"/api/v1/notices/{notice_id}",
        f"/api/v1/items/{created['item_id']}",
    ):
        assert (await http.get(path, headers=oncor)).status_code == 404, path
    refused = await act(http, oncor, created["item_id"], "acknowledge")
    assert refused.status_code == 404
    rows = (await report(http, oncor, "market-notices"))["rows"]
    assert str(created["item_id"]) not in [row["Item ID"] for row in rows]
    cookies, _ = await page_session(http, settings, "user@oncor.example")
    assert notice_id not in (await http.get("/", cookies=cookies)).text
    assert (await http.get(f"/notices/{created['item_id']}", cookies=cookies)).status_code == 404

    qse = await sign_in(http, "user@brazos-qse.example")
    mine = [
        n
        for n in (await http.get("/api/v1/notices", headers=qse)).json()["notices"]
        if n["item_id"] == created["item_id"]
    ]
    assert mine and mine[0]["unread"] is True and mine[0]["requires_acknowledgement"] is True
    qse_cookies, _ = await page_session(http, settings, "user@brazos-qse.example")
    dashboard = (await http.get("/", cookies=qse_cookies)).text
    assert re.search(rf'data-item-id="{created["item_id"]}"[^>]*class="unread"', dashboard)
    assert (await http.get(f"/notices/{created['item_id']}", cookies=qse_cookies)).status_code == 200
    dashboard = (await http.get("/", cookies=qse_cookies)).text
    assert re.search(rf'data-item-id="{created["item_id"]}"[^>]*class="read"', dashboard)
    rows = (await report(http, qse, "market-notices"))["rows"]
    row = next(r for r in rows if r["Item ID"] == str(created["item_id"]))
    assert (row["Notice ID"], row["Acknowledged"], row["Read"]) == (notice_id, "No", "Read")


async def test_acknowledgement_by_ar_or_bar_and_ercot_sees_who(http):
    ercot = await sign_in(http, "admin@ercot.example")
    created = await create(http, ercot, action_required="Confirm you can submit on the new schedule.")
    refused = await act(http, await sign_in(http, "ar@brazos-qse.example"), created["item_id"], "acknowledge")
    assert refused.status_code == 404  # a draft is ERCOT's alone
    await publish(http, ercot, created["item_id"])
    user = await act(http, await sign_in(http, "user@brazos-qse.example"), created["item_id"], "acknowledge")
    assert user.status_code == 403 and "AR or BAR" in user.json()["error"]["message"]
    bar = await sign_in(http, "bar@brazos-qse.example")
    done = await act(http, bar, created["item_id"], "acknowledge")
    assert done.status_code == 200, done.text
    again = await act(http, await sign_in(http, "ar@brazos-qse.example"), created["item_id"], "acknowledge")
    assert again.status_code == 409 and "already acknowledged" in again.json()["error"]["message"]

    seen = await notice(http, ercot, created["item_id"])
    by_company = {r["company_duns"]: r for r in seen["recipients"]}
    assert by_company[BRAZOS]["acknowledged"] is True and by_company[BRAZOS]["acknowledged_by"] == "Priya Natarajan"
    assert by_company[PECOS]["acknowledged"] is False
    assert seen["acknowledged_count"] == 1 and seen["recipient_count"] >= 2
    pecos_view = await notice(http, await sign_in(http, "ar@pecos-qse.example"), created["item_id"])
    assert [r["company_duns"] for r in pecos_view["recipients"]] == [PECOS]  # never another company's
    row = next(
        r for r in (await report(http, ercot, "market-notices"))["rows"] if r["Item ID"] == str(created["item_id"])
    )
    assert row["Acknowledged"].startswith("1 of ")


async def test_reissue_keeps_the_stem_and_takes_the_next_suffix(http):
    ercot = await sign_in(http, "admin@ercot.example")
    first = await publish(http, ercot, (await create(http, ercot))["item_id"])
    first_id = first["fields"]["notice_id"]
    assert re.fullmatch(r"M-[A-Z]\d{6}-01", first_id)
    second_new = await publish(http, ercot, (await create(http, ercot))["item_id"])
    assert second_new["fields"]["notice_id"][:3] != first_id[:3] or second_new["fields"]["notice_id"] != first_id
    edit = await act(http, ercot, first["item_id"], "edit", short_description="changed")
    assert edit.status_code == 409 and "Edit is not possible in state Published" in edit.json()["error"]["message"]

    reissued = await act(http, ercot, first["item_id"], "reissue")
    assert reissued.status_code == 200, reissued.text
    draft = reissued.json()
    assert draft["item_id"] != first["item_id"] and draft["state"] == "Draft"
    assert draft["fields"]["reissue_of"] == first_id
    second = await publish(http, ercot, draft["item_id"])
    assert second["fields"]["notice_id"] == first_id[:-2] + "02"

    async def superseded():
        found = await notice(http, ercot, first["item_id"])
        return found if found["state"] == "Superseded" else None

    original = await eventually(superseded)
    assert original["superseded_by"] == second["fields"]["notice_id"]
    assert (await notice(http, ercot, draft["item_id"]))["reissue_of_item_id"] == first["item_id"]
    again = await act(http, ercot, first["item_id"], "reissue")
    assert again.status_code == 409
    third = await act(http, ercot, draft["item_id"], "reissue")
    third_published = await publish(http, ercot, third.json()["item_id"])
    assert third_published["fields"]["notice_id"] == first_id[:-2] + "03"


async def test_smtp_down_then_up_delays_mail_and_loses_none(http, smtp_sink):
    ercot = await sign_in(http, "admin@ercot.example")
    created = await create(http, ercot)
    smtp_sink.stop()
    try:
        published = await publish(http, ercot, created["item_id"])
        notice_id = published["fields"]["notice_id"]

        async def waiting():
            mail = (await notice(http, ercot, created["item_id"]))["mail"]
            return mail if mail["queued"] >= 2 and mail["last_error"] else None

        delayed = await eventually(waiting, within=60)
        assert delayed["sent"] == 0 and "SMTP" in delayed["last_error"]
        assert mails_of(smtp_sink, notice_id) == []
    finally:
        smtp_sink.start()

    async def delivered():
        mail = (await notice(http, ercot, created["item_id"]))["mail"]
        return mail if mail["queued"] == 0 and mail["sent"] >= 2 else None

    done = await eventually(delivered, within=90)
    assert done["sent"] == len(mails_of(smtp_sink, notice_id))
    assert {m["To"] for m in mails_of(smtp_sink, notice_id)} >= QSE_LISTS

    async def recorded():
        # The workflow records the delivery in the item's history once the mail activity has returned.
        history = (await http.get(f"/api/v1/items/{created['item_id']}", headers=ercot)).json()["history"]
        return [h for h in history if h["action"] == "Mail Delivered"] or None

    (delivery,) = await eventually(recorded, within=15)
    assert delivery["changes"]["mail_accepted"] == str(done["sent"])


async def test_a_list_unsubscribed_from_a_type_gets_none_of_it(http, smtp_sink):
    pecos = await sign_in(http, "user@pecos-qse.example")
    other = await http.put(
        "/api/v1/notice-subscriptions",
        json={"list_email": "certification@brazos-qse.example", "notice_type": "Outages", "subscribed": False},
        headers=pecos,
    )
    assert other.status_code == 400 and "list_email" in other.json()["error"]["fields"]
    off = await http.put(
        "/api/v1/notice-subscriptions",
        json={"list_email": "certification@pecos-qse.example", "notice_type": "Outages", "subscribed": False},
        headers=pecos,
    )
    assert off.status_code == 200, off.text
    ercot = await sign_in(http, "admin@ercot.example")
    created = await create(http, ercot, notice_type="Outages")
    notice_id = (await publish(http, ercot, created["item_id"]))["fields"]["notice_id"]

    async def settled():
        mail = (await notice(http, ercot, created["item_id"]))["mail"]
        return mail if mail["queued"] == 0 and mail["sent"] >= 1 else None

    mail = await eventually(settled)
    assert mail["unsubscribed"] == 1
    assert {m["To"] for m in mails_of(smtp_sink, notice_id)} == {"certification@brazos-qse.example"}
    listed = (await http.get("/api/v1/notices", headers=pecos)).json()["notices"]
    assert created["item_id"] in [n["item_id"] for n in listed]  # still on the dashboard
    back = await http.put(
        "/api/v1/notice-subscriptions",
        json={"list_email": "certification@pecos-qse.example", "notice_type": "Outages", "subscribed": True},
        headers=pecos,
    )
    assert back.status_code == 200


async def test_bad_input_names_every_field_and_keeps_nothing(http):
    ercot = await sign_in(http, "admin@ercot.example")
    before = len((await http.get("/api/v1/notices", headers=ercot)).json()["notices"])
    empty = await http.post("/api/v1/notices", json={"fields": {}}, headers=ercot)
    assert empty.status_code == 400
    assert set(empty.json()["error"]["fields"]) == {
        "notice_type",
        "short_description",
        "audience",
        "long_description",
        "contact",
    }
    bad = await http.post(
        "/api/v1/notices",
        json={
            "fields": {
                "notice_date": "2012-02-30",
                "notice_type": "Gossip",
                "short_description": "x",
                "audience": "QSE, Nobody Inc",
                "days_affected": "soon",
                "long_description": "y",
                "contact": "z",
                "flight": "9999",
                "reissue_of": "M-1",
            }
        },
        headers=ercot,
    )
    assert bad.status_code == 400
    named = bad.json()["error"]["fields"]
    assert set(named) == {"notice_date", "notice_type", "audience", "days_affected", "flight", "reissue_of"}
    assert "Nobody Inc" in named["audience"]
    assert len((await http.get("/api/v1/notices", headers=ercot)).json()["notices"]) == before
    participant = await http.post(
        "/api/v1/notices",
        json={"fields": {"notice_type": "NPRR"}},
        headers=await sign_in(http, "ar@brazos-qse.example"),
    )
    assert participant.status_code == 403


INJECTIONS = (
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
)


async def test_injection_in_every_text_field_is_rendered_inert(http, settings, smtp_sink):
    attack = " ".join(INJECTIONS)
    table = f"Col A\tCol B\n{INJECTIONS[0]}\t{INJECTIONS[1]}"
    ercot = await sign_in(http, "admin@ercot.example")
    created = await create(
        http,
        ercot,
        short_description=attack[:190],
        long_description=attack,
        action_required=attack,
        additional_information=f"{attack}\n\n{table}",
        contact=attack,
    )
    notice_id = (await publish(http, ercot, created["item_id"]))["fields"]["notice_id"]
    cookies, _ = await page_session(http, settings, "user@brazos-qse.example")
    pages = [
        (await http.get(path, cookies=cookies)).text for path in (f"/notices/{created['item_id']}", "/", "/notices")
    ]
    mails = await eventually(lambda: asyncio.sleep(0, mails_of(smtp_sink, notice_id) or None))
    htmls = [m.get_body(preferencelist=("html",)).get_content() for m in mails]
    for html in pages + htmls:
        assert "<script>alert" not in html
        assert "<img" not in html and 'onerror="' not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
        assert 'href="javascript:' not in html.lower()
    page = pages[0]
    assert "&lt;script&gt;alert" in page
    [parsed] = notice_tables(page)
    assert parsed[1] == [[INJECTIONS[0]], [INJECTIONS[1]]]


@pytest.mark.parametrize("designation_link", [True])
async def test_a_notice_linked_to_a_flight_shows_on_its_items(http, settings, designation_link):
    ercot = await sign_in(http, "admin@ercot.example")
    flight = await create_flight(http, ercot)
    created = await create(http, ercot, flight=flight["designation"], audience=f"CR, {ONCOR}")
    await publish(http, ercot, created["item_id"])
    listed = (await http.get(f"/api/v1/notices?flight={flight['designation']}", headers=ercot)).json()["notices"]
    assert [n["item_id"] for n in listed] == [created["item_id"]]
    cookies, _ = await page_session(http, settings, "user@oncor.example")
    page = (await http.get(f"/items/{flight['item_id']}", cookies=cookies)).text
    assert f'data-item-id="{created["item_id"]}"' in page
    qse_cookies, _ = await page_session(http, settings, "user@brazos-qse.example")
    page = (await http.get(f"/items/{flight['item_id']}", cookies=qse_cookies)).text
    assert f'data-item-id="{created["item_id"]}"' not in page
