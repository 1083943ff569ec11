"""The dashboard reports this service owns, with the guide's columns, limited to what the caller may see."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flightrak import authz, errors, projections, tokens
from flightrak.items.v1 import items_pb2 as pb
from flightrak.market_time import central_text, day_text
from services.registration import models, store
from workflows.flight import models as flights
from workflows.registration import models as registrations

CONFIDENTIAL = "Confidential"
SELF_SERVED = "None (CR runs its own EDI)"


def deadline_text(flight: models.Flight) -> str:
    return central_text(flight.registration_closes_at)


def _matches(request: pb.ReportRequest, item_id: int, designation: str) -> bool:
    return (not request.item_id or request.item_id == item_id) and (
        not request.flight or request.flight == designation
    )


async def available_flights(session, request, principal, now) -> pb.Report:
    found = await store.flights_in(session, (flights.OPEN,))
    rows = [
        [f.item_id, f.designation, deadline_text(f)]
        for f in found
        if f.registration_closes_at > now and _matches(request, f.item_id, f.designation)
    ]
    return projections.report(
        "available-flights", "Available Flights", ["Item ID", "Flight Designation", "Flight Signup Deadline"], rows
    )


async def active_flights(session, request, principal, now) -> pb.Report:
    found = await store.flights_in(session, flights.ACTIVE_STATES)
    rows = [
        [f.item_id, f.designation, deadline_text(f), day_text(f.day1_of_testing), f.state]
        for f in found
        if _matches(request, f.item_id, f.designation)
    ]
    columns = ["Item ID", "Flight Designation", "Flight Signup Deadline", "Day 1 of Testing", "State"]
    return projections.report("active-flights", "Active Flights", columns, rows)


def _searched(statement, request: pb.ReportRequest):
    """The report's search (by flight, by Item ID) done by the database, not after it."""
    if request.flight:
        statement = statement.where(models.Registration.flight == request.flight)
    if request.item_id:
        statement = statement.where(models.Registration.item_id == request.item_id)
    return statement


async def flight_registration_records(session, request, principal, now) -> pb.Report:
    statement = _searched(store.readable(principal), request).order_by(
        models.Registration.item_id.desc()
    )
    rows = [[r.item_id, r.state, f.designation, deadline_text(f)] for r, f in await store.rows(session, statement)]
    columns = ["Item ID", "State", "Flight Designation", "Flight Signup Deadline"]
    return projections.report("flight-registration-records", "Flight Registration Records", columns, rows)


async def registrations_for_review(session, request, principal, now) -> pb.Report:
    """ERCOT's work queue: the registrations waiting for its review."""
    if not authz.may_review_registrations(principal):
        raise errors.PermissionDenied("only ERCOT reviews registrations")
    statement = (
        _searched(store.readable(principal), request)
        .where(models.Registration.state == registrations.REGISTRATION_REVIEW)
        .order_by(models.Registration.updated_at)
    )
    rows = [
        [r.item_id, f.designation, r.cr_name, r.state, central_text(r.updated_at)]
        for r, f in await store.rows(session, statement)
    ]
    columns = ["Item ID", "Flight Designation", "CR Involved", "State", "Last State Change Date"]
    return projections.report("registrations-for-review", "Registrations for Review", columns, rows)


async def current_flight(session: AsyncSession, now: datetime) -> str | None:
    """The active flight if there is one, else the next flight whose registration is open."""
    active = await store.flights_in(session, flights.ACTIVE_STATES)
    if active:
        return active[-1].designation
    upcoming = [f for f in await store.flights_in(session, (flights.OPEN,)) if f.registration_closes_at > now]
    return upcoming[0].designation if upcoming else None


async def test_pairings(session, request, principal: tokens.Principal, now) -> pb.Report:
    designation = request.flight or await current_flight(session, now)
    statement = (
        store.readable_pairings(principal)
        .where(models.TestPairing.flight == (designation or ""))
        .order_by(models.TestPairing.cr_name, models.TestPairing.tdsp_name)
    )
    if request.item_id:
        statement = statement.where(models.TestPairing.registration_item_id == request.item_id)
    rows = []
    for (pairing,) in await store.rows(session, statement):
        if not authz.may_see_service_provider(principal, pairing.cr_duns, pairing.sp_duns):
            provider = CONFIDENTIAL
        else:
            provider = pairing.sp_name if pairing.sp_duns else SELF_SERVED
        rows.append([pairing.registration_item_id, pairing.cr_name, provider, pairing.tdsp_name, pairing.flight])
    columns = ["Item ID", "Primary MP", "Service Provider", "Testing Partner", "Flight Designation"]
    title = "Test Pairings for the Current Flight"
    return projections.report("test-pairings-for-the-current-flight", title, columns, rows)


Builder = Callable[[AsyncSession, pb.ReportRequest, tokens.Principal, datetime], Awaitable[pb.Report]]
REPORTS: dict[str, Builder] = {
    "available-flights": available_flights,
    "active-flights": active_flights,
    "flight-registration-records": flight_registration_records,
    "registrations-for-review": registrations_for_review,
    "test-pairings-for-the-current-flight": test_pairings,
}


async def build(session: AsyncSession, request: pb.ReportRequest, principal, now: datetime) -> pb.Report:
    builder = REPORTS.get(request.report)
    if builder is None:
        raise errors.NotFound(f"no report {request.report}")
    return await builder(session, request, principal, now)



