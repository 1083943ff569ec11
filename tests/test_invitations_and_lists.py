"""Set-password links for the users an MP Admin adds, and a company's distribution lists, through the HTTP API
against real PostgreSQL and Temporal."""

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from psycopg.rows import dict_row

from services.identity import domain
from tests.conftest import new_user_fields, sign_in, unique

LONESTAR = "079348512"
BLUEBONNET = "116724480"
NEW_PASSWORD = "A-new-password-42"


def database(settings) -> psycopg.Connection:
    return psycopg.connect(settings.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def invitations_of(settings, user_id: str) -> list[dict]:
    with database(settings) as connection, connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute("SELECT * FROM identity.invitations WHERE user_id = %s ORDER BY id", (int(user_id),))
        return cursor.fetchall()


def lists_of(settings, duns: str) -> list[dict]:
    with database(settings) as connection, connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute("SELECT * FROM identity.distribution_lists WHERE company_duns = %s ORDER BY id", (duns,))
        return cursor.fetchall()


async def users_by_email(http, headers, duns=LONESTAR) -> dict[str, dict]:
    reply = await http.get(f"/api/v1/companies/{duns}/users", headers=headers)
    assert reply.status_code == 200, reply.text
    return {user["email"]: user for user in reply.json()["users"]}


async def commit_user_request(http, headers, body: dict) -> None:
    started = await http.post("/api/v1/user-requests", headers=headers, json=body)
    assert started.status_code == 201, started.text
    done = await http.post(
        f"/api/v1/items/{started.json()['item_id']}/actions", headers=headers, json={"action": "commit"}
    )
    assert done.json()["state"] == "Completed", done.text


async def added_user(http, admin) -> dict:
    """A user added the way an MP Admin does it: Add New User, OK, Commit. They have no password yet."""
    fields = new_user_fields()
    await commit_user_request(http, admin, {"kind": "add", "fields": fields})
    return (await users_by_email(http, admin))[fields["email"]]


async def invite(http, headers, user_id: str) -> str:
    reply = await http.post(f"/api/v1/users/{user_id}/invitation", headers=headers)
    assert reply.status_code == 201, reply.text
    return parse_qs(urlsplit(reply.json()["url"]).query)["token"][0]


async def set_password(http, token: str, password: str = NEW_PASSWORD):
    return await http.post("/api/v1/password", json={"token": token, "password": password})


async def test_added_user_sets_a_password_from_the_link_and_signs_in(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    user = await added_user(http, admin)
    never_set = await http.post("/api/v1/session", json={"email": user["email"], "password": NEW_PASSWORD})
    assert never_set.status_code == 401

    reply = await http.post(f"/api/v1/users/{user['user_id']}/invitation", headers=admin)
    assert reply.status_code == 201, reply.text
    assert reply.json()["url"].startswith("/set-password?token=")
    expires_at = datetime.fromisoformat(reply.json()["expires_at"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=72))) < timedelta(minutes=1)
    token = parse_qs(urlsplit(reply.json()["url"]).query)["token"][0]

    weak = await set_password(http, token, "short")
    assert weak.status_code == 400
    assert weak.json()["error"]["fields"] == {"password": "must be at least 12 characters"}

    done = await set_password(http, token)
    assert done.status_code == 200, done.text
    assert done.json() == {"email": user["email"]}
    me = (await http.get("/api/v1/me", headers=await sign_in(http, user["email"], NEW_PASSWORD))).json()
    assert (me["user_id"], me["roles"]) == (user["user_id"], ["user"])

    reused = await set_password(http, token, "Another-password-43")
    assert reused.status_code == 400
    assert "already used" in reused.json()["error"]["fields"]["token"]
    await sign_in(http, user["email"], NEW_PASSWORD)

    [stored] = invitations_of(settings, user["user_id"])
    assert stored["token_hash"] == domain.invitation_token_hash(token) != token
    assert stored["used_at"] is not None
    assert str(stored["created_by"]) == (await http.get("/api/v1/me", headers=admin)).json()["user_id"]


async def test_a_new_link_replaces_the_earlier_one_and_ercot_may_issue_it(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    ercot = await sign_in(http, "admin@ercot.example")
    user = await added_user(http, admin)
    first = await invite(http, admin, user["user_id"])
    second = await invite(http, ercot, user["user_id"])

    replaced = await set_password(http, first)
    assert replaced.status_code == 400
    assert "newer link" in replaced.json()["error"]["fields"]["token"]
    assert (await set_password(http, second)).status_code == 200
    await sign_in(http, user["email"], NEW_PASSWORD)
    ercot_id = (await http.get("/api/v1/me", headers=ercot)).json()["user_id"]
    assert [str(row["created_by"]) for row in invitations_of(settings, user["user_id"])][1] == ercot_id


async def test_an_expired_link_is_refused(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    user = await added_user(http, admin)
    token = await invite(http, admin, user["user_id"])

    def expire() -> None:
        with database(settings) as connection:
            connection.execute(
                "UPDATE identity.invitations SET expires_at = now() - interval '1 minute' WHERE token_hash = %s",
                (domain.invitation_token_hash(token),),
            )

    # In a thread: the identity service runs in this event loop, and its link mail sender may be writing this row.
    await asyncio.to_thread(expire)

    expired = await set_password(http, token)
    assert expired.status_code == 400
    assert "expired" in expired.json()["error"]["fields"]["token"]
    refused = await http.post("/api/v1/session", json={"email": user["email"], "password": NEW_PASSWORD})
    assert refused.status_code == 401
    assert invitations_of(settings, user["user_id"])[0]["used_at"] is None


async def test_an_unknown_token_and_a_weak_password_are_named_together(http):
    reply = await set_password(http, "not-a-token", "short")
    assert reply.status_code == 400
    fields = reply.json()["error"]["fields"]
    assert set(fields) == {"token", "password"}
    assert "not valid" in fields["token"]
    missing = await http.post("/api/v1/password", json={"password": NEW_PASSWORD})
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"token"}


async def test_setting_a_password_clears_a_lockout(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    user = await added_user(http, admin)
    await set_password(http, await invite(http, admin, user["user_id"]))
    for _ in range(settings.sign_in_max_failures):
        await http.post("/api/v1/session", json={"email": user["email"], "password": "wrong"})
    locked = await http.post("/api/v1/session", json={"email": user["email"], "password": NEW_PASSWORD})
    assert "too many failed sign-ins" in locked.json()["error"]["message"]

    reset = await set_password(http, await invite(http, admin, user["user_id"]), "Reset-password-44")
    assert reset.status_code == 200, reset.text
    await sign_in(http, user["email"], "Reset-password-44")


async def test_a_deactivated_user_gets_no_link_and_cannot_use_an_old_one(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    user = await added_user(http, admin)
    token = await invite(http, admin, user["user_id"])
    await commit_user_request(http, admin, {"kind": "deactivate", "target_user_id": user["user_id"]})

    used = await set_password(http, token)
    assert used.status_code == 400
    assert used.json()["error"]["fields"] == {"token": "this user is deactivated"}
    refused = await http.post(f"/api/v1/users/{user['user_id']}/invitation", headers=admin)
    assert refused.status_code == 409
    assert len(invitations_of(settings, user["user_id"])) == 1


@pytest.mark.parametrize(
    "intruder", ["admin@bluebonnet.example", "user@lonestar.example", "ar@lonestar.example", "reviewer@ercot.example"]
)
async def test_only_the_companys_mp_admin_or_ercot_issues_links(http, settings, intruder):
    admin = await sign_in(http, "admin@lonestar.example")
    target = (await users_by_email(http, admin))["user@lonestar.example"]
    before = invitations_of(settings, target["user_id"])

    reply = await http.post(f"/api/v1/users/{target['user_id']}/invitation", headers=await sign_in(http, intruder))
    assert reply.status_code == 403, reply.text
    assert "url" not in reply.json()
    assert invitations_of(settings, target["user_id"]) == before
    assert (await http.post(f"/api/v1/users/{target['user_id']}/invitation")).status_code == 401
    assert invitations_of(settings, target["user_id"]) == before


async def test_distribution_lists_are_added_seen_and_removed_with_their_record_kept(http, settings):
    admin = await sign_in(http, "admin@lonestar.example")
    path = f"/api/v1/companies/{LONESTAR}/distribution-lists"
    email = f"{unique('ops.')}@lonestar.example"

    added = await http.post(path, headers=admin, json={"name": " Market operations ", "email": email.upper()})
    assert added.status_code == 201, added.text
    assert added.json() == {"name": "Market operations", "email": email}
    for viewer in ("user@lonestar.example", "reviewer@ercot.example"):
        seen = await http.get(path, headers=await sign_in(http, viewer))
        assert {"name": "Market operations", "email": email} in seen.json()["distribution_lists"], viewer

    assert (await http.delete(f"{path}/{email}", headers=admin)).status_code == 204
    assert email not in {dl["email"] for dl in (await http.get(path, headers=admin)).json()["distribution_lists"]}
    again = await http.delete(f"{path}/{email}", headers=admin)
    assert again.status_code == 404
    [kept] = [row for row in lists_of(settings, LONESTAR) if row["email"] == email]
    admin_id = (await http.get("/api/v1/me", headers=admin)).json()["user_id"]
    assert kept["removed_at"] is not None
    assert str(kept["created_by"]) == str(kept["removed_by"]) == admin_id

    listed_again = await http.post(path, headers=admin, json={"name": "Market operations", "email": email})
    assert listed_again.status_code == 201, listed_again.text


async def test_a_list_address_is_valid_and_belongs_to_no_other_list_or_user(http):
    admin = await sign_in(http, "admin@lonestar.example")
    ercot = await sign_in(http, "admin@ercot.example")
    path = f"/api/v1/companies/{LONESTAR}/distribution-lists"
    listed = {"name": "Ops", "email": "certification@lonestar.example"}
    cases = [
        (admin, path, listed, "email", "already a distribution list"),
        (ercot, f"/api/v1/companies/{BLUEBONNET}/distribution-lists", listed, "email", "already a distribution list"),
        (admin, path, {"name": "Ops", "email": "ar@lonestar.example"}, "email", "user's address"),
        (admin, path, {"name": "Ops", "email": "not-an-email"}, "email", "not a valid email address"),
        (admin, path, {"name": " ", "email": f"{unique('x.')}@lonestar.example"}, "name", "is required"),
    ]
    for headers, where, body, field, problem in cases:
        reply = await http.post(where, headers=headers, json=body)
        assert reply.status_code == 400, (body, reply.text)
        assert list(reply.json()["error"]["fields"]) == [field], body
        assert problem in reply.json()["error"]["fields"][field], body


@pytest.mark.parametrize("intruder", ["admin@bluebonnet.example", "user@lonestar.example", "reviewer@ercot.example"])
async def test_only_the_companys_mp_admin_or_ercot_changes_its_lists(http, settings, intruder):
    headers = await sign_in(http, intruder)
    path = f"/api/v1/companies/{LONESTAR}/distribution-lists"
    before = lists_of(settings, LONESTAR)

    added = await http.post(path, headers=headers, json={"name": "Ops", "email": f"{unique('x.')}@lonestar.example"})
    assert added.status_code == 403, added.text
    removed = await http.delete(f"{path}/certification@lonestar.example", headers=headers)
    assert removed.status_code == 403, removed.text
    assert lists_of(settings, LONESTAR) == before


async def test_lists_are_visible_to_the_company_and_ercot_only(http):
    outsider = await sign_in(http, "admin@bluebonnet.example")
    reply = await http.get(f"/api/v1/companies/{LONESTAR}/distribution-lists", headers=outsider)
    assert reply.status_code == 403
    assert "distribution_lists" not in reply.json()


async def test_a_new_companys_lists_are_checked_like_any_other(http):
    ercot = await sign_in(http, "admin@ercot.example")
    duns = "5" + str(int(unique("")[:8], 16)).rjust(8, "0")[:8]

    def company(*lists: dict) -> dict:
        admin = new_user_fields(email=f"first.admin.{duns}@newcr.example")
        return {
            "name": "Brazos Retail Power",
            "duns": duns,
            "kind": "CR",
            "first_admin": {**admin, "password": "A-strong-password-9"},
            "distribution_lists": list(lists),
        }

    bad = await http.post("/api/v1/companies", headers=ercot, json=company({"name": "", "email": "bad"}))
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"distribution_lists[0].name", "distribution_lists[0].email"}
    taken = await http.post(
        "/api/v1/companies", headers=ercot, json=company({"name": "Ops", "email": "certification@lonestar.example"})
    )
    assert taken.status_code == 400
    assert list(taken.json()["error"]["fields"]) == ["distribution_lists[0].email"]

    email = f"certification@{duns}.example"
    made = await http.post("/api/v1/companies", headers=ercot, json=company({"name": "Certification", "email": email}))
    assert made.status_code == 201, made.text
    assert made.json()["distribution_lists"] == [{"name": "Certification", "email": email}]


def test_link_rules_by_time_and_state():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    class Link:
        def __init__(self, expires_at, used_at=None, superseded_at=None):
            self.expires_at, self.used_at, self.superseded_at = expires_at, used_at, superseded_at

    fresh = Link(now + timedelta(seconds=1))
    assert domain.invitation_problems(fresh, True, now) == {}
    assert "expired on 2026-03-02 06:00 CST" in domain.invitation_problems(Link(now), True, now)["token"]
    assert "already used" in domain.invitation_problems(Link(fresh.expires_at, used_at=now), True, now)["token"]
    assert "newer link" in domain.invitation_problems(Link(fresh.expires_at, superseded_at=now), True, now)["token"]
    assert "not valid" in domain.invitation_problems(None, False, now)["token"]
    assert domain.invitation_problems(fresh, False, now) == {"token": "this user is deactivated"}
    token, token_hash = domain.new_invitation_token()
    assert len(token) >= 43 and token_hash == domain.invitation_token_hash(token) and token not in token_hash
