"""Sessions end when they should: signing out, deactivation, a role change and a system's new key or deactivation
stop the tokens already handed out, on every service and on pages, within 5 seconds, not when the token expires."""

import asyncio
import time

import grpc
import pytest

from flightrak import grpc_runtime
from flightrak.identity.v1 import identity_pb2, identity_pb2_grpc
from flightrak.registration.v1 import registration_pb2, registration_pb2_grpc
from tests.conftest import sign_in, system_sign_in, unique
from tests.test_invitations_and_lists import LONESTAR, NEW_PASSWORD, added_user, commit_user_request, invite
from tests.test_invitations_and_lists import set_password as set_password_from_link

REVOKED_WITHIN = 5.0


async def refused_within(check, seconds: float = REVOKED_WITHIN) -> float:
    """How long until `check()` says refused; fails the test past `seconds`."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"still accepted after {seconds} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


def api_refuses(http, headers):
    async def check() -> bool:
        reply = await http.get("/api/v1/me", headers=headers)
        return reply.status_code == 401
    return check


def registration_service_refuses(settings, headers):
    """Straight to the registration service over gRPC, past the gateway: it must refuse on its own."""
    return service_refuses(
        settings.registration_address,
        headers,
        lambda channel, metadata: registration_pb2_grpc.RegistrationServiceStub(channel).ListFlights(
            registration_pb2.ListFlightsRequest(), metadata=metadata
        ),
    )


def identity_refuses(settings, headers):
    """Straight to the identity service: the answer every other service asks for and keeps a moment."""
    return service_refuses(
        settings.identity_address,
        headers,
        lambda channel, metadata: identity_pb2_grpc.IdentityServiceStub(channel).CheckSession(
            identity_pb2.CheckSessionRequest(), metadata=metadata
        ),
    )


def service_refuses(address: str, headers, call):
    token = headers["authorization"].removeprefix("Bearer ")

    async def check() -> bool:
        async with grpc_runtime.channel(address) as channel:
            try:
                await call(channel, grpc_runtime.bearer(token))
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.details()
                return True
        return False
    return check


async def new_person(http) -> tuple[dict, dict]:
    """A Lone Star user added by its MP Admin, with a password, signed in: (the user, their headers)."""
    admin = await sign_in(http, "admin@lonestar.example")
    user = await added_user(http, admin)
    await set_password_from_link(http, await invite(http, admin, user["user_id"]))
    return user, await sign_in(http, user["email"], NEW_PASSWORD)


async def test_signing_out_ends_the_token_everywhere(http, settings):
    user, headers = await new_person(http)
    other_session = await sign_in(http, user["email"], NEW_PASSWORD)
    assert (await http.get("/api/v1/me", headers=headers)).status_code == 200
    assert not await registration_service_refuses(settings, headers)()

    assert (await http.delete("/api/v1/session", headers=headers)).status_code == 204
    await refused_within(api_refuses(http, headers))
    await refused_within(registration_service_refuses(settings, headers))
    reply = await http.get("/api/v1/me", headers=headers)
    assert reply.status_code == 401
    # Only that session ended: the same person signed in elsewhere goes on.
    assert (await http.get("/api/v1/me", headers=other_session)).status_code == 200


async def test_a_deactivated_users_token_and_open_page_stop_working(http, settings):
    user, headers = await new_person(http)
    signed_in = await http.post("/signin", data={"email": user["email"], "password": NEW_PASSWORD, "guard": "x"},
                                cookies={"flightrak_signin_csrf": "x"})
    assert signed_in.status_code == 303, signed_in.text
    cookie = {"flightrak_session": signed_in.cookies["flightrak_session"]}
    assert (await http.get("/", cookies=cookie)).status_code == 200

    admin = await sign_in(http, "admin@lonestar.example")
    await commit_user_request(
        http, admin, {"kind": "deactivate", "company_duns": LONESTAR, "target_user_id": user["user_id"]}
    )
    await refused_within(api_refuses(http, headers))
    await refused_within(registration_service_refuses(settings, headers))

    async def page_sends_to_sign_in() -> bool:
        page = await http.get("/", cookies=cookie)
        return page.status_code == 303 and page.headers["location"].startswith("/signin")

    await refused_within(page_sends_to_sign_in)
    # Nothing a revoked token asks is done: not even issuing a set-password link for someone else.
    issued = await http.post(f"/api/v1/users/{user['user_id']}/invitation", headers=headers)
    assert issued.status_code == 401


async def test_a_role_change_ends_the_sessions_holding_the_old_roles(http, settings):
    user, headers = await new_person(http)
    ercot = await sign_in(http, "admin@ercot.example")
    changed = await http.put(f"/api/v1/users/{user['user_id']}/roles", headers=ercot, json={"roles": ["ar"]})
    assert changed.status_code == 200, changed.text
    await refused_within(api_refuses(http, headers))
    await refused_within(registration_service_refuses(settings, headers))
    reply = await http.get("/api/v1/me", headers=await sign_in(http, user["email"], NEW_PASSWORD))
    assert "ar" in reply.json()["roles"]
    # Setting the roles a user already has ends nothing.
    again = await sign_in(http, user["email"], NEW_PASSWORD)
    same = await http.put(f"/api/v1/users/{user['user_id']}/roles", headers=ercot, json={"roles": ["ar"]})
    assert same.status_code == 200
    # The identity service still holds the session current: no service's kept answer will say otherwise.
    assert not await identity_refuses(settings, again)()
    assert (await http.get("/api/v1/me", headers=again)).status_code == 200


@pytest.mark.parametrize("change", ["rotate-key", "deactivate"])
async def test_a_systems_new_key_or_deactivation_ends_its_tokens(http, change):
    ercot = await sign_in(http, "admin@ercot.example")
    registered = await http.post(
        "/api/v1/transaction-systems", headers=ercot, json={"system_id": unique("revoked-"), "name": "Old gateway"}
    )
    assert registered.status_code == 201, registered.text
    system_id, key = registered.json()["system_id"], registered.json()["key"]
    system = await system_sign_in(http, system_id, key)

    async def report_refused() -> bool:
        reply = await http.post("/api/v1/transactions", headers=system, json=[])
        return reply.status_code == 401

    assert not await report_refused()
    assert (await http.post(f"/api/v1/transaction-systems/{system_id}/{change}", headers=ercot)).status_code == 200
    await refused_within(report_refused)
