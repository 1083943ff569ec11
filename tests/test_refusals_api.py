"""A refused action answers, through the API, the status its kind names, a `reason` for programs and the field it
is about, as the workflow's rule gave them (issue 14: typed refusals end to end), on the real stack."""

from tests.conftest import new_user_fields, sign_in
from tests.registration_helpers import LONESTAR, act, create_flight, registered
from tests.test_specifications_api import approved_lonestar
from tests.test_specifications_rules import good_raw


def refusal(reply) -> tuple[int, str, dict[str, str]]:
    error = reply.json()["error"]
    return reply.status_code, error.get("reason", ""), error["fields"]


async def test_return_to_cr_without_a_comment_answers_400_naming_the_comment(http):
    ar, reviewer = await sign_in(http, "ar@lonestar.example"), await sign_in(http, "reviewer@ercot.example")
    flight = await create_flight(http, await sign_in(http, "admin@ercot.example"))
    item = await registered(http, ar, flight["designation"], LONESTAR)
    assert (await act(http, ar, item["item_id"], "submit")).status_code == 200

    no_comment = await act(http, reviewer, item["item_id"], "return_to_cr")
    status, reason, fields = refusal(no_comment)
    assert (status, reason, list(fields)) == (400, "COMMENT_REQUIRED", ["comment"])
    assert no_comment.json()["error"]["code"] == "invalid_input" and fields["comment"]

    by_the_cr = await act(http, ar, item["item_id"], "approve")
    assert refusal(by_the_cr)[:2] == (403, "NOT_PERMITTED")


async def test_testing_specifications_refusals_carry_their_reason_and_field(http):
    _, registration = await approved_lonestar(http)
    item_id = int(registration["fields"]["testing_specifications_item_id"])
    user, reviewer = await sign_in(http, "user@lonestar.example"), await sign_in(http, "reviewer@ercot.example")

    unknown = await act(http, user, item_id, "fly")
    assert refusal(unknown) == (400, "UNKNOWN_ACTION", {"action": "'fly' is not a CR request action"})
    # The system's step when a registration is cancelled is not a person's: not its update, nor its table action.
    system = await act(http, user, item_id, "registration_cancelled")
    assert refusal(system) == (400, "UNKNOWN_ACTION", {"action": "'registration_cancelled' is not a CR request action"})
    assert refusal(await act(http, reviewer, item_id, "cancel_request", comment="Cancel it")) == (
        403,
        "NOT_PERMITTED",
        {},
    )
    early = await act(http, reviewer, item_id, "approve")
    assert refusal(early) == (409, "NOT_IN_THIS_STATE", {})
    assert "not possible in state Pending Testing Specifications" in early.json()["error"]["message"]

    assert (await act(http, user, item_id, "provide", **good_raw())).status_code == 200
    assert refusal(await act(http, user, item_id, "approve")) == (403, "NOT_PERMITTED", {})
    no_comment = await act(http, reviewer, item_id, "reject")
    problem = "Reject needs a comment telling them what to fix"
    assert refusal(no_comment) == (400, "COMMENT_REQUIRED", {"comment": problem})


async def test_an_action_on_a_closed_user_request_answers_409_closed(http):
    """The request's workflow has ended with it: the update is not delivered, and the answer says the item is
    closed, not that it is gone."""
    admin = await sign_in(http, "admin@lonestar.example")
    asked = {"kind": "add", "company_duns": LONESTAR, "fields": new_user_fields()}
    started = await http.post("/api/v1/user-requests", headers=admin, json=asked)
    assert started.status_code in (200, 201), started.text
    item_id = started.json()["item_id"]
    cancelled = await http.post(f"/api/v1/items/{item_id}/actions", headers=admin, json={"action": "cancel"})
    assert cancelled.json()["state"] == "Cancelled"

    again = await http.post(f"/api/v1/items/{item_id}/actions", headers=admin, json={"action": "commit"})
    assert refusal(again) == (409, "ITEM_CLOSED", {})


async def test_whether_a_users_details_are_taken_is_told_only_to_who_may_act(http):
    """A company's user who is not its MP Admin sees its requests but may not act on them: an OK with another
    user's email is refused as not theirs (403), not answered with whom the email belongs to."""
    admin, user = await sign_in(http, "admin@lonestar.example"), await sign_in(http, "user@lonestar.example")
    asked = {"kind": "add", "company_duns": LONESTAR, "fields": new_user_fields()}
    item_id = (await http.post("/api/v1/user-requests", headers=admin, json=asked)).json()["item_id"]
    taken = {"action": "ok", "fields": new_user_fields(email="admin@lonestar.example")}

    by_the_user = await http.post(f"/api/v1/items/{item_id}/actions", headers=user, json=taken)
    assert refusal(by_the_user) == (403, "NOT_PERMITTED", {})
    by_the_admin = await http.post(f"/api/v1/items/{item_id}/actions", headers=admin, json=taken)
    status, reason, fields = refusal(by_the_admin)
    assert (status, reason, list(fields)) == (400, "ALREADY_USED", ["email"])
