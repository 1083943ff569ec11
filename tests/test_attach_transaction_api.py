"""ERCOT attaches a transaction that matched no script issue to the step waiting for it, by hand, through the HTTP
API and from the Unmatched Transactions report's page, on the real stack (issue 6): only ERCOT's staff, only with
a comment, only to an open script issue whose current step waits for a transaction of that type, and only once."""

import re
from urllib.parse import quote

import psycopg

from flightrak import temporal
from tests.conftest import sign_in, system_sign_in, unique
from tests.registration_helpers import LONESTAR, ONCOR, act, report
from tests.test_script_issues_api import ERCOT_DUNS, flight_in_connectivity_testing, receipt, rows_when

ELSEWHERE = "10888888888888888"  # a premise in no test bed: nothing takes a transaction naming it


def key(sent: dict) -> str:
    return f"{sent['sender_duns']}:{sent['reference']}"


def attach_path(sent: dict) -> str:
    return f"/api/v1/transactions/{quote(key(sent), safe='')}/attach"


async def unmatched_keys(http, auth) -> set[str]:
    return {row["Transaction"] for row in (await report(http, auth, "unmatched-transactions"))["rows"]}


async def test_ercot_attaches_an_unmatched_transaction_to_the_step_waiting_for_it(http, settings):
    designation = await flight_in_connectivity_testing(http)
    ercot = await sign_in(http, "admin@ercot.example")
    flight = (await http.get(f"/api/v1/flights/{designation}", headers=ercot)).json()
    assert (await act(http, ercot, flight["item_id"], "open_business_testing")).status_code == 200
    lonestar = await sign_in(http, "user@lonestar.example")
    ready = await rows_when(
        http, lonestar, "scripts-ready-to-begin", designation, lambda rows: any(r["Script ID"] == "SW01" for r in rows)
    )
    switch = int(next(r for r in ready if r["Script ID"] == "SW01")["Item ID"])
    move_out = int(next(r for r in ready if r["Script ID"] == "MVO01")["Item ID"])
    await act(http, lonestar, switch, "begin_working")

    # Lone Star's 814_01s (one failed validation) and an 814_24 name a premise no test bed holds: none matched.
    systems = await system_sign_in(http)
    failed = receipt(101, "814_01", LONESTAR, ERCOT_DUNS, valid=False, reasons=("REF*TD missing",), esi_id=ELSEWHERE)
    good = receipt(102, "814_01", LONESTAR, ERCOT_DUNS, esi_id=ELSEWHERE)
    other_type = receipt(103, "814_24", LONESTAR, ERCOT_DUNS, esi_id=ELSEWHERE)
    taken = await http.post("/api/v1/transactions", json=[failed, good, other_type], headers=systems)
    assert [t["matched_item_id"] for t in taken.json()["transactions"]] == [None, None, None], taken.text
    assert {key(failed), key(good), key(other_type)} <= await unmatched_keys(http, ercot)
    comment = "Sent on the premise Lone Star used before; ERCOT counts it for this step."
    body = {"item_id": switch, "comment": comment}

    # Only ERCOT's staff attach: a participant and a transaction-processing system are refused.
    for caller in (lonestar, systems):
        refused = await http.post(attach_path(good), json=body, headers=caller)
        assert refused.status_code == 403, refused.text
    no_comment = await http.post(attach_path(good), json={"item_id": switch, "comment": "  "}, headers=ercot)
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["error"]["fields"], no_comment.text
    not_waiting = await http.post(attach_path(good), json=body | {"item_id": move_out}, headers=ercot)
    assert not_waiting.status_code == 409, not_waiting.text
    assert "Transaction Attached is not possible in state Ready to Begin" in not_waiting.json()["error"]["message"]
    wrong_type = await http.post(attach_path(other_type), json=body, headers=ercot)
    assert wrong_type.status_code == 409, wrong_type.text
    assert "waits for a 814_01 from the CR to the ERCOT; this transaction is a 814_24" in wrong_type.text
    unknown = await http.post("/api/v1/transactions/123456789:NO-SUCH-REF/attach", json=body, headers=ercot)
    assert unknown.status_code == 404, unknown.text
    # Nothing was written by any of them.
    item = (await http.get(f"/api/v1/items/{switch}", headers=ercot)).json()
    assert "Transaction Attached" not in [h["action"] for h in item["history"]]
    assert {key(failed), key(good), key(other_type)} <= await unmatched_keys(http, ercot)

    # A failed transaction attached by hand is shown on the step with its reasons; the step waits on.
    given = await http.post(attach_path(failed), json=body, headers=ercot)
    assert given.status_code == 200, given.text
    shown = given.json()["item"]
    assert shown["state"] == "Pending 814_01 from CR"
    assert "REF*TD missing" in shown["fields"]["last_failed_transaction"]
    assert given.json()["transaction"]["matched_item_id"] == switch

    # A valid one moves the step on; the history names ERCOT's person, with the comment and the transaction.
    given = await http.post(attach_path(good), json=body, headers=ercot)
    assert given.status_code == 200, given.text
    assert given.json()["transaction"]["comment"] == comment
    moved = given.json()["item"]
    assert moved["state"] == "Pending 814_03 to TDSP"
    attached = moved["history"][-1]
    assert (attached["action"], attached["actor_name"], attached["comment"]) == (
        "Transaction Attached",
        given.json()["transaction"]["attached_by"],
        comment,
    )
    assert attached["actor_user_id"] == (await http.get("/api/v1/me", headers=ercot)).json()["user_id"]
    assert good["reference"] in attached["changes"]["last_transaction"]
    assert (attached["from_state"], attached["to_state"]) == ("Pending 814_01 from CR", "Pending 814_03 to TDSP")

    # Once: a second attach is refused, naming the item it went to; it has left the Unmatched report.
    again = await http.post(attach_path(good), json=body, headers=ercot)
    assert again.status_code == 409 and f"already matched by {attached['actor_name']} to item {switch}" in again.text
    left = await unmatched_keys(http, ercot)
    assert key(good) not in left and key(failed) not in left and key(other_type) in left
    assert key(good) not in await unmatched_keys(http, lonestar)

    # In the browser: ERCOT's report page offers the form on each row; a participant's does not.
    page = await http.get("/reports/unmatched-transactions", headers=ercot)
    assert f'data-transaction="{key(other_type)}"' in page.text
    lonestar_page = await http.get("/reports/unmatched-transactions", headers=lonestar)
    assert key(other_type) in lonestar_page.text and "attach-transaction" not in lonestar_page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form_action = f"/transactions/{quote(key(other_type))}/attach"
    typed = {"csrf_token": csrf, "item_id": str(switch), "comment": "Counted for the switch."}
    refused_form = await http.post(form_action, data=typed, headers=ercot)
    assert refused_form.status_code == 409 and "this transaction is a 814_24" in refused_form.text
    assert "Counted for the switch." in refused_form.text  # what was typed stays
    assert (await act(http, lonestar, move_out, "begin_working")).status_code == 200
    done = await http.post(form_action, data=typed | {"item_id": str(move_out)}, headers=ercot)
    assert done.status_code == 303 and done.headers["location"] == f"/items/{move_out}"
    item = (await http.get(f"/api/v1/items/{move_out}", headers=ercot)).json()
    assert item["history"][-1]["action"] == "Transaction Attached" and item["state"] == "Pending 814_03 to TDSP"
    assert key(other_type) not in await unmatched_keys(http, ercot)

    # The workflow refusing (here it is gone: an operator terminated it) leaves the transaction unmatched, as the
    # change to its row is rolled back with the refusal.
    late = receipt(104, "814_03", ERCOT_DUNS, ONCOR, esi_id=ELSEWHERE)
    taken = await http.post("/api/v1/transactions", json=late, headers=systems)
    assert taken.json()["matched_item_id"] is None, taken.text
    client = await temporal.connect(settings)
    await client.get_workflow_handle(moved["workflow_id"]).terminate("stuck; an operator ended it")
    lost = await http.post(attach_path(late), json=body, headers=ercot)
    assert lost.status_code == 404 and "no longer running" in lost.text, lost.text
    assert key(late) in await unmatched_keys(http, ercot)
    # The operator closes the item of the workflow they ended, or `flightrak check` reports it to them (and to the
    # suite's own check, tests/test_consistency_check.py).
    with psycopg.connect(settings.database_url.replace("+psycopg", "")) as connection:
        connection.execute("UPDATE scripts.items SET closed = true WHERE workflow_id = %s", (moved["workflow_id"],))


async def test_the_unmatched_and_refused_reports_page_instead_of_stopping_at_their_newest_rows(http):
    """Every unmatched transaction is reachable a page at a time (they stopped at the newest 1,000, with no next)."""
    systems, ercot = await system_sign_in(http), await sign_in(http, "admin@ercot.example")
    run = unique("PAGE-")
    mine = [
        {"type": "814_01", "sender_duns": LONESTAR, "receiver_duns": ERCOT_DUNS, "reference": f"{run}-{n}",
         "esi_id": "10999999999999999"}
        for n in range(5)
    ]
    assert (await http.post("/api/v1/transactions", json=mine, headers=systems)).status_code == 202
    seen, token, pages = [], "", 0
    while pages == 0 or token:
        page = await report(http, ercot, "unmatched-transactions", page_size=2, page_token=token)
        seen += [row["Reference"] for row in page["rows"]]
        token, pages = page["next_page_token"], pages + 1
    assert len(seen) == len(set(seen)) and {r["reference"] for r in mine} <= set(seen) and pages >= 3
    edi = systems | {"content-type": "application/edi-x12"}
    for garbage in (f"GS*{run}~", f"ISA*{run}~"):  # each refused whole, and kept for ERCOT
        assert (await http.post("/api/v1/transactions", content=garbage.encode(), headers=edi)).status_code == 422
    first = await report(http, ercot, "refused-transactions", page_size=1)
    second = await report(http, ercot, "refused-transactions", page_size=1, page_token=first["next_page_token"])
    [newest], [before] = first["rows"], second["rows"]  # newest first, one a page
    assert "cut short" in newest["Problems"] and "begins with ISA" in before["Problems"]
    forged = await http.get("/api/v1/reports/unmatched-transactions", params={"page_token": "bm9wZQ"}, headers=ercot)
    assert forged.status_code == 400 and "page_token" in forged.json()["error"]["fields"]
