"""Transaction-processing systems: ERCOT's admin registers them; each signs in with its own key (issue 6)."""

from flightrak import roles, tokens
from flightrak.tokens import Principal
from tests.conftest import sign_in, system_sign_in, unique

ERCOT_DUNS = "183529049"
LONESTAR = "079348512"


async def register_system(http, admin, name="Texas SET gateway") -> dict:
    reply = await http.post(
        "/api/v1/transaction-systems", headers=admin, json={"system_id": unique("gateway-"), "name": name}
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


async def system_session(http, system_id: str, key: str):
    return await http.post("/api/v1/system-session", json={"system_id": system_id, "key": key})


async def listed(http, admin) -> dict[str, dict]:
    reply = await http.get("/api/v1/transaction-systems", headers=admin)
    assert reply.status_code == 200, reply.text
    return {system["system_id"]: system for system in reply.json()["systems"]}


def test_is_transaction_system_only_for_a_system_principal():
    system = Principal("system:gw", ERCOT_DUNS, frozenset({roles.TRANSACTION_SYSTEM}), "GW", roles.SYSTEM_COMPANY_KIND)
    ercot_admin = Principal("1", ERCOT_DUNS, frozenset({roles.ERCOT_ADMIN}), "Catherine Meiners", "ERCOT")
    cr_user = Principal("7", LONESTAR, frozenset({roles.AR, roles.USER}), "James Whitfield", "CR")
    staff_as_system = Principal(
        "system:gw", ERCOT_DUNS, frozenset({roles.TRANSACTION_SYSTEM, roles.ERCOT_ADMIN}), "GW", "SYSTEM"
    )
    assert roles.is_transaction_system(system)
    assert not system.is_ercot and not system.is_ercot_admin
    assert not roles.is_transaction_system(ercot_admin)
    assert not roles.is_transaction_system(cr_user)
    assert not roles.is_transaction_system(staff_as_system)


async def test_register_shows_the_key_once_and_the_system_signs_in_as_itself(http, settings):
    admin = await sign_in(http, "admin@ercot.example")
    registered = await register_system(http, admin)
    assert registered["key"].startswith("ftsys_") and len(registered["key"]) > 40
    assert registered["active"] is True and registered["registered_by"] == "Catherine Meiners"

    shown = (await listed(http, admin))[registered["system_id"]]
    assert "key" not in shown and registered["key"] not in str(shown)
    assert shown["name"] == "Texas SET gateway"

    session = await system_session(http, registered["system_id"], registered["key"])
    assert session.status_code == 200, session.text
    principal = tokens.verify(session.json()["token"], settings.token_secret)
    assert principal.user_id == f"system:{registered['system_id']}"
    assert (principal.duns, principal.company_kind, principal.name) == (ERCOT_DUNS, "SYSTEM", "Texas SET gateway")
    assert principal.roles == {roles.TRANSACTION_SYSTEM}
    assert roles.is_transaction_system(principal) and not principal.is_ercot
    assert (await listed(http, admin))[registered["system_id"]]["last_used_at"]

    taken = await http.post(
        "/api/v1/transaction-systems", headers=admin, json={"system_id": registered["system_id"], "name": "Again"}
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["fields"] == {"system_id": "is already registered"}


async def test_bad_fields_are_named(http):
    admin = await sign_in(http, "admin@ercot.example")
    reply = await http.post("/api/v1/transaction-systems", headers=admin, json={"system_id": "Bad ID!", "name": " "})
    assert reply.status_code == 400
    assert set(reply.json()["error"]["fields"]) == {"system_id", "name"}


async def test_wrong_key_unknown_system_and_repeated_failures_are_refused(http):
    admin = await sign_in(http, "admin@ercot.example")
    registered = await register_system(http, admin)
    unknown = await system_session(http, unique("no-such-system-"), registered["key"])
    assert unknown.status_code == 401
    message = unknown.json()["error"]["message"]
    for _ in range(2):
        wrong = await system_session(http, registered["system_id"], "ftsys_wrong")
        assert wrong.status_code == 401 and wrong.json()["error"]["message"] == message
    locked = await system_session(http, registered["system_id"], "ftsys_wrong")
    assert "too many failed sign-ins" in locked.json()["error"]["message"]
    right_but_locked = await system_session(http, registered["system_id"], registered["key"])
    assert right_but_locked.status_code == 401


async def test_rotate_stops_the_old_key_and_deactivate_stops_the_system(http):
    admin = await sign_in(http, "admin@ercot.example")
    registered = await register_system(http, admin)
    system_id = registered["system_id"]

    rotated = await http.post(f"/api/v1/transaction-systems/{system_id}/rotate-key", headers=admin)
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["key"]
    assert new_key != registered["key"]
    assert (await system_session(http, system_id, registered["key"])).status_code == 401
    assert (await system_session(http, system_id, new_key)).status_code == 200

    deactivated = await http.post(f"/api/v1/transaction-systems/{system_id}/deactivate", headers=admin)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert (await system_session(http, system_id, new_key)).status_code == 401
    assert (await listed(http, admin))[system_id]["active"] is False
    refused = await http.post(f"/api/v1/transaction-systems/{system_id}/rotate-key", headers=admin)
    assert refused.status_code == 409


async def test_only_ercot_admins_manage_systems_and_nothing_is_written(http):
    admin = await sign_in(http, "admin@ercot.example")
    registered = await register_system(http, admin)
    system_id, key = registered["system_id"], registered["key"]
    others = [
        await sign_in(http, "reviewer@ercot.example"),
        await sign_in(http, "admin@lonestar.example"),
        await system_sign_in(http),
    ]
    for headers in others:
        new_id = unique("refused-")
        attempts = [
            await http.post("/api/v1/transaction-systems", headers=headers, json={"system_id": new_id, "name": "X"}),
            await http.get("/api/v1/transaction-systems", headers=headers),
            await http.post(f"/api/v1/transaction-systems/{system_id}/rotate-key", headers=headers),
            await http.post(f"/api/v1/transaction-systems/{system_id}/deactivate", headers=headers),
        ]
        assert [reply.status_code for reply in attempts] == [403] * 4, [reply.text for reply in attempts]
        assert new_id not in await listed(http, admin)
    assert (await listed(http, admin))[system_id]["active"] is True
    assert (await system_session(http, system_id, key)).status_code == 200


async def test_a_system_token_does_nothing_a_person_can(http):
    system = await system_sign_in(http)
    flight = {"designation": "0199", "signup_deadline": "2099-01-01", "day1_of_testing": "2099-02-01"}
    attempts = [
        await http.get(f"/api/v1/companies/{ERCOT_DUNS}/users", headers=system),
        await http.get(f"/api/v1/companies/{LONESTAR}/users", headers=system),
        await http.get("/api/v1/me", headers=system),
        await http.get("/api/v1/flights", headers=system),
        await http.post("/api/v1/flights", headers=system, json={**flight, "end_date": "2099-03-01"}),
        await http.post("/api/v1/user-requests", headers=system, json={"kind": "add", "fields": {}}),
    ]
    assert [reply.status_code for reply in attempts] == [403] * len(attempts), [reply.text for reply in attempts]
    assert all("only report transactions" in reply.json()["error"]["message"] for reply in attempts)


async def test_ercot_admin_page_registers_with_the_form_token_and_shows_the_key_once(http, settings):
    from services.gateway.auth import csrf_token

    admin = await sign_in(http, "admin@ercot.example")
    page = await http.get("/transaction-systems", headers=admin)
    assert page.status_code == 200 and "demo-transaction-gateway" in page.text
    assert 'href="/transaction-systems"' in page.text
    form = {"system_id": unique("page-gateway-"), "name": "From the page"}
    forged = await http.post("/transaction-systems", headers=admin, data=form)
    assert forged.status_code == 403 and form["system_id"] not in await listed(http, admin)
    csrf = csrf_token(settings.token_secret, admin["authorization"].removeprefix("Bearer "))
    registered = await http.post("/transaction-systems", headers=admin, data={**form, "csrf_token": csrf})
    assert registered.status_code == 201 and "ftsys_" in registered.text
    assert registered.headers["cache-control"] == "no-store"
    assert "ftsys_" not in (await http.get("/transaction-systems", headers=admin)).text
    person = await sign_in(http, "admin@lonestar.example")
    assert (await http.get("/transaction-systems", headers=person)).status_code == 403
