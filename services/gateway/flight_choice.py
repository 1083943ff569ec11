"""Which flight a dashboard shows when its reader has not chosen one: their active flight. For ERCOT, the newest
flight in progress (registration closed, not complete); for anyone else, the newest flight their company is
registered in (a registration they may read that is not cancelled), else the newest in progress. "Newest" is the
latest Day 1 of testing, then the flight created last. No flight at all: every flight."""

from flightrak.items.v1 import items_pb2
from flightrak.registration.v1 import registration_pb2
from services.gateway.auth import Caller
from services.gateway.backends import call
from workflows.flight import models as flights
from workflows.registration import models as registrations

ALL_FLIGHTS = ""


async def newest_first(app, token: str) -> list[registration_pb2.Flight]:
    listed = await call(app.state.backends.registration.ListFlights, registration_pb2.ListFlightsRequest(), token)
    return sorted(listed.flights, key=lambda f: (f.day1_of_testing, f.item_id), reverse=True)


async def registered_flights(app, token: str) -> set[str]:
    """The flights of the registrations the caller may read (their company's, or those their company serves)."""
    request = items_pb2.ReportRequest(report="flight-registration-records")
    report = await call(app.state.backends.items_at("registration").GetReport, request, token)
    columns = list(report.columns)
    state, flight = columns.index("State"), columns.index("Flight Designation")
    return {row.cells[flight] for row in report.rows if row.cells[state] != registrations.CANCELLED}


async def active_flight(app, caller: Caller, known: list[registration_pb2.Flight]) -> str:
    in_progress = [f.designation for f in known if f.state in flights.ACTIVE_STATES]
    if not caller.principal.is_ercot:
        registered = await registered_flights(app, caller.token)
        mine = [f.designation for f in known if f.designation in registered]
        if mine:
            return mine[0]
    return in_progress[0] if in_progress else ALL_FLIGHTS


async def chosen(app, caller: Caller, asked: str | None) -> tuple[str, list[registration_pb2.Flight]]:
    """The flight a dashboard shows (the one asked for; none asked: the caller's active flight; "" asked: every
    flight), and every flight newest first for its selector."""
    known = await newest_first(app, caller.token)
    if asked is None:
        return await active_flight(app, caller, known), known
    return asked.strip(), known
