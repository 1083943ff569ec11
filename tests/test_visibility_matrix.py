"""One visibility rule per kind of item (issue 14): for every role of ERCOT, a CR (Lone Star), the SP it chose
(EDIGate), the TDSP it is paired with (Oncor), an unrelated CR (Bluebonnet) and an unpaired TDSP (CenterPoint),
and one item of every type, the item through the API, its page, and every list and report of its kind (JSON,
CSV and page) agree with flightrak.authz's readers: the item is readable and listed everywhere, or 404 and
absent everywhere. A list that shows part of its kind (a caller's own tasks, a state) never shows more."""

import asyncio
import csv
import io

from flightrak import authz, roles
from flightrak.tokens import Principal
from services.gateway.auth import SESSION_COOKIE
from tests.conftest import new_user_fields, sign_in, system_sign_in, unique
from tests.registration_helpers import (
    BLUEBONNET,
    CENTERPOINT,
    EDIGATE,
    ERCOT,
    LONESTAR,
    ONCOR,
    act,
    report,
)
from tests.test_script_issues_api import flight_in_connectivity_testing, item_when, receipt, rows_when

COMPANIES = {
    "ercot": ERCOT,
    "lonestar": LONESTAR,
    "edigate": EDIGATE,
    "oncor": ONCOR,
    "bluebonnet": BLUEBONNET,
    "centerpoint": CENTERPOINT,
}
ROLES = {"ercot": ("admin", "reviewer")} | {
    company: ("admin", "ar", "bar", "user") for company in COMPANIES if company != "ercot"
}
EVERYONE = frozenset(COMPANIES)
CR_SIDE = {"lonestar", "edigate"}  # an SP acts for its CR
# Who reads each item: the guide's rule, written here from the guide, not from the code.
READERS = {
    "flight": EVERYONE,
    "registration": {"ercot", *CR_SIDE, "oncor"},  # Oncor's Test Pairings report links it (guide §4.5)
    "cr specifications": {"ercot", *CR_SIDE},
    "tdsp specifications": {"ercot", "oncor", *CR_SIDE},  # the CR tests against it; its test bed report links it
    "script issue": {"ercot", *CR_SIDE, "oncor"},
    "p2p sub-flow": {"ercot", *CR_SIDE, "oncor"},
    "market notice": {"ercot", "lonestar", "oncor"},  # its audience
    "draft notice": {"ercot"},
    "user-admin request": {"ercot", "lonestar"},
    "transaction": {"ercot", "lonestar", "oncor"},  # its sender and receiver
    "qualification letter": {"ercot", *CR_SIDE},  # not the testing partner
}
# The lists that hold every item of a kind the caller reads (for the flight searched): reports by name, and the
# API's own lists.
FULL_LISTS = {
    "flight": ["active-flights"],
    "registration": ["flight-registration-records", "test-pairings-for-the-current-flight"],
    "cr specifications": ["cr-test-specs"],
    "tdsp specifications": ["tdsp-test-specs", "cr-scripts-test-bed"],
    "script issue": ["active-script-issues", "flight-progress-active-script-issues"],
    "p2p sub-flow": [],
    "market notice": ["market-notices", "api:notices"],
    "draft notice": ["market-notices", "api:notices"],
    "user-admin request": ["api:user-requests"],
    "transaction": [],
    "qualification letter": ["qualification-letters"],
}
# Lists that show a part of what the caller reads: never an item it may not read.
PART_LISTS = [
    "registrations-for-review",
    "my-company-testing-information",
    "sp-test-specs",
    "scripts-ready-to-begin",
    "my-script-tasks",
    "ercot-script-tasks",
    "testing-partner-script-tasks",
    "completed-script-issues",
]
TASK_LISTS = ("my-script-tasks", "testing-partner-script-tasks")
REPORTS = sorted({name for names in FULL_LISTS.values() for name in names if ":" not in name} | set(PART_LISTS))


async def one_of_each_item(http) -> tuple[str, dict[str, int], str]:
    """The flight (in connectivity testing), Lone Star's registration and Requests for Testing Specifications,
    Oncor's (its test bed approved), CON03 and its bank-transfer P2P sub-flow, a market notice to Lone Star and
    Oncor and a draft, a user-admin request of Lone Star's, Lone Star's qualification letter (ERCOT drafts the
    flight's letters), and a transaction Lone Star sent Oncor that no script issue took (its key)."""
    designation = await flight_in_connectivity_testing(http)
    ercot, lonestar, oncor = (
        await sign_in(http, "admin@ercot.example"),
        await sign_in(http, "user@lonestar.example"),
        await sign_in(http, "user@oncor.example"),
    )
    items = {"flight": int((await http.get(f"/api/v1/flights/{designation}", headers=ercot)).json()["item_id"])}
    [registration] = (await report(http, ercot, "flight-registration-records", flight=designation))["rows"]
    items["registration"] = int(registration["Item ID"])
    [cr_request] = (await report(http, ercot, "cr-test-specs", flight=designation))["rows"]
    items["cr specifications"] = int(cr_request["Item ID"])
    [tdsp_request] = (await report(http, ercot, "tdsp-test-specs", flight=designation))["rows"]
    items["tdsp specifications"] = int(tdsp_request["Item ID"])

    ready = await rows_when(http, lonestar, "scripts-ready-to-begin", designation, lambda rows: len(rows) >= 2)
    con03 = int(next(r for r in ready if r["Script ID"] == "CON03")["Item ID"])
    assert (await act(http, lonestar, con03, "begin_working")).status_code == 200
    assert (await act(http, lonestar, con03, "step_action")).status_code == 200
    assert (await act(http, oncor, con03, "step_action")).status_code == 200
    with_p2p = await item_when(http, lonestar, con03, lambda i: "p2p_item_id" in i["fields"])
    items["script issue"], items["p2p sub-flow"] = con03, int(with_p2p["fields"]["p2p_item_id"])
    await item_when(http, lonestar, items["p2p sub-flow"], lambda i: i.get("state") == "Submitter Working")

    notice = {
        "notice_type": "Testing",
        "short_description": f"Flight {designation} connectivity window",
        "long_description": "ERCOT opens connectivity testing.",
        "contact": "ERCOT Client Services, (512) 248-3900",
        "flight": designation,
    }
    for kind, audience in (("market notice", f"{LONESTAR}, {ONCOR}"), ("draft notice", "CR")):
        created = await http.post("/api/v1/notices", json={"fields": notice | {"audience": audience}}, headers=ercot)
        assert created.status_code == 201, created.text
        items[kind] = int(created.json()["item_id"])
    published = await act(http, ercot, items["market notice"], "publish")
    assert published.status_code == 200, published.text

    admin = await sign_in(http, "admin@lonestar.example")
    added = await http.post("/api/v1/user-requests", headers=admin, json={"kind": "add", "fields": new_user_fields()})
    assert added.status_code == 201, added.text
    items["user-admin request"] = int(added.json()["item_id"])

    assert (await http.post(f"/api/v1/flights/{designation}/letters", headers=ercot)).status_code == 200
    [letter] = await rows_when(http, ercot, "qualification-letters", designation, lambda rows: len(rows) == 1)
    items["qualification letter"] = int(letter["Item ID"])

    sent = receipt(0, "814_24", LONESTAR, ONCOR, esi_id="10888888888888888") | {"reference": unique("VIS-")}
    taken = await http.post("/api/v1/transactions", json=[sent], headers=await system_sign_in(http))
    assert taken.json()["transactions"][0]["matched_item_id"] is None, taken.text
    return designation, items, f"{LONESTAR}:{sent['reference']}"


def item_ids(rows: list[dict]) -> set[int]:
    return {int(row["Item ID"]) for row in rows if row.get("Item ID")}


async def lists_seen(http, auth: dict, cookies: dict, designation: str) -> dict[str, set]:
    """Every list's Item IDs as this caller gets them: each report as JSON (and, for the full lists, as CSV and
    as its page too: the three must agree), the API's lists, and the Unmatched Transactions' keys. A list the
    caller may not ask for shows nothing."""
    seen: dict[str, set] = {}
    full = {name for names in FULL_LISTS.values() for name in names}
    for name in REPORTS:
        params = {"flight": designation, "page_size": 5000}
        reply = await http.get(f"/api/v1/reports/{name}", params=params, headers=auth)
        assert reply.status_code in (200, 403), (name, reply.text)
        seen[name] = item_ids(reply.json()["rows"]) if reply.status_code == 200 else set()
        if name not in full:
            continue
        exported = await http.get(
            f"/api/v1/reports/{name}", params={"flight": designation, "format": "csv"}, headers=auth
        )
        assert exported.status_code == 200, (name, exported.text)
        assert item_ids(list(csv.DictReader(io.StringIO(exported.text)))) == seen[name], name
        page = await http.get(f"/reports/{name}", params={"flight": designation}, cookies=cookies)
        assert page.status_code == 200, (name, page.status_code)
        assert {i for i in seen[name] if f'data-item-id="{i}"' in page.text} == seen[name], name
    notices = await http.get("/api/v1/notices", params={"flight": designation}, headers=auth)
    seen["api:notices"] = {int(n["item_id"]) for n in notices.json()["notices"]}
    requests = await http.get(
        "/api/v1/user-requests", params={"company_duns": LONESTAR, "include_closed": "true"}, headers=auth
    )
    assert requests.status_code in (200, 403), requests.text
    seen["api:user-requests"] = {int(i["item_id"]) for i in requests.json()["items"]} if requests.is_success else set()
    unmatched = await report(http, auth, "unmatched-transactions", page_size=5000)
    seen["unmatched-transactions"] = {row["Transaction"] for row in unmatched["rows"]}
    return seen


async def check_caller(http, company: str, role: str, designation: str, items: dict[str, int], sent: str) -> None:
    auth = await sign_in(http, f"{role}@{company}.example")
    cookies = {SESSION_COOKIE: auth["authorization"].removeprefix("Bearer ")}
    seen = await lists_seen(http, auth, cookies, designation)
    who = f"{role}@{company}"
    for kind, item_id in items.items():
        readable = company in READERS[kind]
        through_api = await http.get(f"/api/v1/items/{item_id}", headers=auth)
        assert through_api.status_code == (200 if readable else 404), (who, kind, through_api.text)
        if kind == "registration" and readable:  # who the CR chose as its SP stays confidential from the TDSP
            shown = through_api.json()["fields"].get("service_provider")
            assert shown == (None if company == "oncor" else EDIGATE), (who, shown)
        page = await http.get(f"/items/{item_id}", cookies=cookies, follow_redirects=True)
        assert page.status_code == (200 if readable else 404), (who, kind, page.status_code)
        for name in FULL_LISTS[kind]:
            assert (item_id in seen[name]) == readable, (who, kind, name)
        for name in PART_LISTS:
            assert readable or item_id not in seen[name], (who, kind, name)
    p2p = items["p2p sub-flow"]  # the submitter's task, its receiver's partner task
    assert (p2p in set().union(*(seen[name] for name in TASK_LISTS))) == (
        company in READERS["p2p sub-flow"] - {"ercot"}
    )
    assert (sent in seen["unmatched-transactions"]) == (company in READERS["transaction"]), who


async def test_every_role_of_every_company_sees_every_item_type_by_one_rule(http):
    designation, items, sent = await one_of_each_item(http)
    assert set(items) | {"transaction"} == set(READERS)
    callers = [(company, role) for company, roles in ROLES.items() for role in roles]
    for at in range(0, len(callers), 4):  # a few callers at a time: the machine is shared
        await asyncio.gather(
            *(check_caller(http, company, role, designation, items, sent) for company, role in callers[at : at + 4])
        )


def test_the_python_form_of_each_rule_names_the_same_readers():
    """authz.may_read over each kind's readers, with the parties of the items above, gives the same table: the
    Python form (one item) and the SQL form (flightrak.visibility, asked above) state one rule."""
    parties = {
        "registration": authz.registration_readers(LONESTAR, EDIGATE, frozenset({ONCOR})),
        "cr specifications": authz.specifications_readers(LONESTAR, EDIGATE, (), ()),
        "tdsp specifications": authz.specifications_readers(ONCOR, "", [LONESTAR], [EDIGATE]),
        "script issue": authz.pairing_readers(LONESTAR, EDIGATE, ONCOR),
        "p2p sub-flow": authz.pairing_readers(LONESTAR, EDIGATE, ONCOR),
        "market notice": authz.notice_readers([LONESTAR, ONCOR]),
        "draft notice": authz.notice_readers([]),
        "user-admin request": authz.company_readers(LONESTAR),
        "transaction": authz.transaction_readers(LONESTAR, ONCOR),
        "qualification letter": authz.letter_readers(LONESTAR, EDIGATE),
    }
    for company, duns in COMPANIES.items():
        held = {roles.ERCOT_REVIEWER} if company == "ercot" else {roles.USER}
        caller = Principal("7", duns, frozenset(held), "Pat Doe", company)
        for kind, readers in parties.items():
            assert authz.may_read(caller, readers) == (company in READERS[kind]), (company, kind)
    nobody = Principal("8", "", frozenset({roles.USER}), "No Company", "CR")
    assert not authz.may_read(nobody, authz.specifications_readers(LONESTAR, "", (), ()))
