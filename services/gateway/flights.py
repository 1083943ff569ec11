"""Flights and flight registration: the API operations and the pages (guide §5)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from flightrak import authz, boundary
from flightrak.items.v1 import items_pb2
from flightrak.registration.v1 import registration_pb2 as pb
from services.gateway import schemas, views
from services.gateway.api import as_json
from services.gateway.auth import ApiCaller, Caller, MaybeCaller
from services.gateway.backends import ApiError, call
from workflows.flight import models as flight_models
from workflows.registration import models as registrations

FLIGHT_FIELDS = ("designation", "signup_deadline", "signup_deadline_time", "day1_of_testing", "end_date")
REGISTRATION_FIELD_LABELS = registrations.FIELD_LABELS
FLIGHT_FIELD_LABELS = flight_models.FIELD_LABELS


class FlightBody(BaseModel):
    designation: str
    signup_deadline: str = Field(description="YYYY-MM-DD; registration closes that day")
    day1_of_testing: str
    end_date: str
    signup_deadline_time: str = Field("", description="HH:MM Central; 17:00 when empty")


class RegistrationBody(BaseModel):
    fields: dict[str, str]


async def registration_form(app, designation: str, token: str) -> pb.RegistrationForm:
    return await call(
        app.state.backends.registration.GetRegistrationForm,
        pb.GetRegistrationFormRequest(designation=designation),
        token,
    )


async def register_company(app, designation: str, fields: dict[str, str], token: str) -> items_pb2.Item:
    """The caller's company registers for the flight (the form's OK): the registration's item, Pending Submittal."""
    request = pb.RegisterRequest(designation=designation, fields=fields)
    return await call(app.state.backends.registration.Register, request, token)


async def new_flight(app, values: dict[str, str], token: str) -> pb.Flight:
    """ERCOT creates a flight from its fields (FLIGHT_FIELDS); registration opens at once."""
    return await call(app.state.backends.registration.CreateFlight, pb.CreateFlightRequest(**values), token)


async def flight_named(app, designation: str, token: str) -> pb.Flight:
    """The flight of that designation (MMYY), or a 404."""
    return await call(app.state.backends.registration.GetFlight, pb.GetFlightRequest(designation=designation), token)


def register(app, router: APIRouter) -> None:
    @router.post(
        "/flights",
        summary="ERCOT creates a flight; registration opens at once",
        **schemas.success(schemas.Flight, 201),
    )
    async def create_flight(body: FlightBody, caller: ApiCaller) -> dict:
        return as_json(await new_flight(app, body.model_dump(), caller.token))

    @router.get("/flights", summary="Every flight, with its dates and state", **schemas.success(schemas.Flights))
    async def list_flights(caller: ApiCaller) -> dict:
        reply = await call(app.state.backends.registration.ListFlights, pb.ListFlightsRequest(), caller.token)
        return {"flights": [as_json(f) for f in reply.flights]}

    @router.get("/flights/{designation}", **schemas.success(schemas.Flight))
    async def get_flight(designation: str, caller: ApiCaller) -> dict:
        return as_json(await flight_named(app, designation, caller.token))

    @router.get(
        "/flights/{designation}/registration-form",
        summary="The Register form: key dates, choices, values",
        **schemas.success(schemas.RegistrationForm),
    )
    async def get_registration_form(designation: str, caller: ApiCaller) -> dict:
        return as_json(await registration_form(app, designation, caller.token))

    @router.post(
        "/flights/{designation}/registrations",
        summary="AR/BAR registers the company (the form's OK): the registration starts in Pending Submittal",
        **schemas.success(schemas.Item, 201),
    )
    async def create_registration(designation: str, body: RegistrationBody, caller: ApiCaller) -> dict:
        return as_json(await register_company(app, designation, body.fields, caller.token))

    @app.get("/flights/new", response_class=HTMLResponse, include_in_schema=False)
    async def new_flight_page(request: Request, caller: MaybeCaller) -> Response:
        return await flight_form(request, views.signed_in(caller), {}, None)

    async def flight_form(request: Request, caller: Caller, values: dict, error: ApiError | None) -> Response:
        if not authz.may_run_flights(caller.principal):
            raise ApiError(403, "only an ERCOT admin creates flights")
        status = error.status if error else 200
        return await views.render(app, request, caller, "flight_form.html", status, values=values, error=error)

    @app.post("/flights/new", include_in_schema=False)
    async def create_flight_page(request: Request, caller: views.PageCaller) -> Response:
        form = await views.read_form(app, request, caller)
        values = {name: form.get(name, "") for name in FLIGHT_FIELDS}
        try:
            flight = await new_flight(app, values, caller.token)
        except ApiError as error:
            if error.status in (400, 409):
                return await flight_form(request, caller, values, error)
            raise
        return RedirectResponse(f"/items/{flight.item_id}", status_code=303)

    @app.get("/flights/{designation}", include_in_schema=False)
    async def flight_page(designation: str, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        flight = await flight_named(app, designation, caller.token)
        return RedirectResponse(f"/items/{flight.item_id}", status_code=303)

    @app.get("/search", include_in_schema=False)
    async def search(caller: MaybeCaller, flight: str = "", item_id: str = "") -> Response:
        """Search by Item ID or by flight number, as the guide's users do."""
        views.signed_in(caller)
        if item_id.strip():
            if not (boundary.is_number(item_id.strip()) and int(item_id.strip()) <= boundary.INT64_MAX):
                raise ApiError(400, f"'{item_id}' is not an Item ID", {"item_id": "an Item ID is a number"})
            return RedirectResponse(f"/items/{item_id.strip()}", status_code=303)
        if flight.strip():
            return RedirectResponse(f"/flights/{flight.strip()}", status_code=303)
        return RedirectResponse("/", status_code=303)

    @app.get("/flights/{designation}/register", response_class=HTMLResponse, include_in_schema=False)
    async def register_page(request: Request, designation: str, caller: MaybeCaller) -> Response:
        caller = views.signed_in(caller)
        form = await registration_form(app, designation, caller.token)
        return await registration_page(request, caller, form, dict(form.values), None)

    async def registration_page(
        request: Request, caller: Caller, form: pb.RegistrationForm, values: dict, error: ApiError | None
    ) -> Response:
        if not authz.may_register(caller.principal, caller.principal.duns):
            raise ApiError(403, "only an AR or BAR of a CR registers for a flight")
        status = error.status if error else (409 if form.existing_item_id else 200)
        return await views.render(
            app,
            request,
            caller,
            "registration_form.html",
            status,
            form=form,
            values=values,
            error=error,
            action=f"/flights/{form.flight.designation}/register",
        )

    @app.post("/flights/{designation}/register", include_in_schema=False)
    async def register_submit(request: Request, designation: str, caller: views.PageCaller) -> Response:
        posted = await views.read_form(app, request, caller)
        fields = {name: posted.get(name, "") for name in registrations.FORM_FIELDS}
        try:
            item = await register_company(app, designation, fields, caller.token)
        except ApiError as error:
            if error.status not in (400, 409):
                raise
            form = await registration_form(app, designation, caller.token)
            return await registration_page(request, caller, form, fields, error)
        return RedirectResponse(f"/items/{item.item_id}", status_code=303)
