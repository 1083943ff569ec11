"""Fast unit tests of the rules: no database, no Temporal."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from grpc_health.v1 import health_pb2

from flightrak import authz, roles, tokens
from flightrak.grpc_runtime import ServiceHealth
from services.identity import domain
from workflows.user_admin import models as requests

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def principal(duns="079348512", *held) -> tokens.Principal:
    return tokens.Principal("7", duns, frozenset(held or {roles.USER}), "Pat Doe", "CR")


@pytest.mark.parametrize(
    ("duns", "parent", "problem"),
    [
        ("079348512", "", None),
        ("0793485120001", "079348512", None),
        ("07934851", "", "duns"),
        ("07934851x", "", "duns"),
        ("0793485120001", "", "parent_duns"),
        ("0793485120001", "116724480", "parent_duns"),
        ("079348512", "116724480", "parent_duns"),
    ],
)
def test_duns_and_duns_plus_4(duns, parent, problem):
    problems = domain.validate_duns(duns, parent)
    assert (set(problems) == {problem}) if problem else problems == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("512-555-0100", "512-555-0100"), ("(512) 555 0100", "512-555-0100"), ("+1 512.555.0100", "512-555-0100"),
     ("555-0100", None), ("012-555-0100", None), ("512-555-01OO", None)],
)
def test_phone_numbers(raw, expected):
    assert domain.normalize_phone(raw) == expected


def test_user_fields_are_cleaned_and_every_problem_named():
    cleaned, problems = domain.clean_user_fields(
        {"first_name": " Ann ", "last_name": "Lee", "employee_id": "E-1", "email": "Ann.Lee@Example.COM",
         "phone": "512 555 0100"}
    )
    assert problems == {}
    assert cleaned["first_name"] == "Ann"
    assert cleaned["email"] == "ann.lee@example.com"
    assert cleaned["phone"] == "512-555-0100"
    _, problems = domain.clean_user_fields({"email": "nobody", "employee_id": "has space"})
    assert set(problems) == {"first_name", "last_name", "employee_id", "email", "phone"}


def test_roles_follow_the_company_kind():
    assert domain.validate_roles(["ar", "user"], "CR") == {}
    assert "roles" in domain.validate_roles(["ercot_admin"], "CR")
    assert "roles" in domain.validate_roles(["ar"], "ERCOT")
    assert "roles" in domain.validate_roles(["king"], "CR")


def test_lockout_after_repeated_failures_for_a_while():
    failures, locked = 0, None
    for _ in range(4):
        failures, locked = domain.after_failed_sign_in(failures, NOW, 5, timedelta(minutes=15))
        assert locked is None
    failures, locked = domain.after_failed_sign_in(failures, NOW, 5, timedelta(minutes=15))
    assert locked == NOW + timedelta(minutes=15)
    assert not domain.sign_in_allowed(locked, NOW + timedelta(minutes=14)).allowed
    assert domain.sign_in_allowed(locked, NOW + timedelta(minutes=15, seconds=1)).allowed


def test_who_may_administer_users():
    lonestar = "079348512"
    assert authz.may_administer_users(principal(lonestar, roles.MP_ADMIN), lonestar)
    assert not authz.may_administer_users(principal("116724480", roles.MP_ADMIN), lonestar)
    assert not authz.may_administer_users(principal(lonestar, roles.USER), lonestar)
    assert not authz.may_administer_users(principal(lonestar, roles.AR), lonestar)
    assert authz.may_administer_users(principal("183529049", roles.ERCOT_ADMIN), lonestar)
    assert not authz.may_administer_users(principal("183529049", roles.ERCOT_REVIEWER), lonestar)


def test_request_actions_follow_state_and_caller():
    admin = principal("079348512", roles.MP_ADMIN)
    names = lambda state, who=admin: [a["name"] for a in domain.user_request_actions(state, "add", who, "079348512")]  # noqa: E731
    assert names(requests.NEW) == ["ok", "cancel"]
    assert names(requests.PENDING_COMMIT) == ["ok", "commit", "cancel"]
    assert names(requests.COMPLETED) == []
    assert names(requests.PENDING_COMMIT, principal("079348512", roles.USER)) == []


def test_tokens_round_trip_and_expire():
    who = principal("079348512", roles.MP_ADMIN)
    token, expires = tokens.issue(who, "s" * 40, ttl_seconds=60)
    back = tokens.verify(token, "s" * 40)
    assert (back.user_id, back.duns, back.roles, back.expires_at) == (who.user_id, who.duns, who.roles, expires)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token, "t" * 40)
    old, _ = tokens.issue(who, "s" * 40, ttl_seconds=60, now=0)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(old, "s" * 40)


async def test_health_is_not_serving_while_the_database_is_unreachable():
    database_up = True

    async def probe() -> bool:
        return database_up

    service_health = ServiceHealth("flightrak.identity.v1.IdentityService", probe, interval=0.01)
    watching = asyncio.create_task(service_health.watch())

    async def status() -> int:
        await asyncio.sleep(0.05)
        reply = await service_health.servicer.Check(health_pb2.HealthCheckRequest(service=""), None)
        return reply.status

    assert await status() == health_pb2.HealthCheckResponse.SERVING
    database_up = False
    assert await status() == health_pb2.HealthCheckResponse.NOT_SERVING
    database_up = True
    assert await status() == health_pb2.HealthCheckResponse.SERVING
    watching.cancel()
