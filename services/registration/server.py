"""The registration gRPC servicer: flights, registrations and their reports. Translate, authorize, call."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from flightrak import authz, errors, grpc_runtime, needs_attention, projections, tokens
from flightrak.grpc_runtime import caller
from flightrak.item_steps import StepWriter
from flightrak.items.v1 import items_pb2, items_pb2_grpc
from flightrak.registration.v1 import calendars_pb2_grpc, registration_pb2_grpc
from flightrak.registration.v1 import registration_pb2 as pb
from flightrak.settings import Settings
from flightrak.temporal import forward, start_with_action
from services.registration import domain, models, notices_store, reports, store
from services.registration.calendar_server import CalendarServicer
from services.registration.directory import Directory
from services.registration.notices_server import REPORT as NOTICES_REPORT
from services.registration.notices_server import NoticeRpcs
from workflows import flight as flight_flow
from workflows import registration as registration_flow
from workflows.flight import models as flights
from workflows.flight import rules as flight_rules
from workflows.flight.ids import flight_workflow_id
from workflows.flight.workflows import FlightWorkflow
from workflows.items import actor_of
from workflows.notices import models as notices
from workflows.registration import models as registrations
from workflows.registration.ids import registration_workflow_id
from workflows.registration.rules import FLOW as REGISTRATION_FLOW
from workflows.registration.rules import Registration
from workflows.registration.workflows import FlightRegistrationWorkflow
from workflows.table import NEW


def _now() -> datetime:
    return datetime.now(UTC)


def _flight_proto(flight: models.Flight) -> pb.Flight:
    return pb.Flight(
        item_id=flight.item_id,
        designation=flight.designation,
        signup_deadline=flight.signup_deadline.isoformat(),
        registration_closes_at=flight.registration_closes_at.astimezone(domain.CENTRAL).isoformat(),
        day1_of_testing=flight.day1_of_testing.isoformat(),
        end_date=flight.end_date.isoformat(),
        state=flight.state,
        open_for_registration=flight.state == flights.OPEN and flight.registration_closes_at > _now(),
    )


def _already_registered(flight: models.Flight, existing: models.Registration) -> str:
    """One registration per CR and flight: the open one is named."""
    return (
        f"Your company is already registered for flight {flight.designation} "
        f"(Item ID {existing.item_id}); it cannot register twice."
    )


def _may_fill_the_form(action: str, principal: tokens.Principal, cr_duns: str, flight: models.Flight) -> None:
    """The form is checked against the CR's own users and choices: one who may not take the action hears that."""
    refused = REGISTRATION_FLOW.not_theirs(action, principal, Registration(cr_duns, _flight_context(flight)))
    if refused is not None:
        raise errors.refused(refused)


def _flight_facts(flight: models.Flight) -> flight_rules.Flight:
    return flight_rules.Flight(flight.registration_closes_at)


def _flight_context(flight: models.Flight) -> registrations.FlightContext:
    closes_at = flight.registration_closes_at.astimezone(domain.CENTRAL).isoformat()
    return registrations.FlightContext(flight.state, closes_at)


class RegistrationServicer(
    NoticeRpcs,
    needs_attention.AttendedItems,
    registration_pb2_grpc.RegistrationServiceServicer,
    items_pb2_grpc.ItemServiceServicer,
):
    _attention_model, _item_model = models.NeedsAttention, models.Item

    def __init__(
        self, sessions: async_sessionmaker, temporal: Client, directory: Directory, notice_reminder_hours: float = 48
    ):
        self._sessions = sessions
        self._write_steps = StepWriter(sessions, store.record_transition)
        self._write_notice_steps = StepWriter(sessions, notices_store.record_step)
        self._temporal = temporal
        self._directory = directory
        self._notice_reminder_hours = notice_reminder_hours

    # Flights

    async def CreateFlight(self, request: pb.CreateFlightRequest, context) -> pb.Flight:
        principal = caller()
        if not authz.may_run_flights(principal):
            raise errors.PermissionDenied("only an ERCOT admin runs flights")
        designation = request.designation.strip()
        raw = {
            "signup_deadline": request.signup_deadline,
            "day1_of_testing": request.day1_of_testing,
            "end_date": request.end_date,
            "signup_deadline_time": request.signup_deadline_time,
        }
        dates, problems = domain.flight_dates(raw, _now())
        if not domain.valid_designation(designation):
            problems = {"designation": "must be MMYY, the month and year of the flight (e.g. 0625)", **problems}
        if problems or dates is None:
            raise errors.InvalidFields(problems, errors.problems_message(problems, domain.FLIGHT_FIELD_LABELS))
        async with self._sessions() as session:
            if await session.get(models.Flight, designation):
                raise errors.Conflict(f"flight {designation} already exists", {"designation": "already exists"})
            item_id = await store.next_item_id(session)
        try:
            await start_with_action(
                self._temporal,
                FlightWorkflow.run,
                flights.FlightInput(item_id, designation, dates, principal.duns),
                id=flight_workflow_id(designation),
                task_queue=flight_flow.TASK_QUEUE,
                action=flights.CREATE,
                given=flights.FlightAction(actor_of(principal)),
                write_steps=self._write_steps,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise errors.Conflict(f"flight {designation} already exists", {"designation": "already exists"}) from None
        return await self._flight(designation)

    async def ListFlights(self, request, context) -> pb.ListFlightsResponse:
        caller()
        async with self._sessions() as session:
            found = await store.flights_in(session)
        return pb.ListFlightsResponse(flights=[_flight_proto(f) for f in found])

    async def GetFlight(self, request: pb.GetFlightRequest, context) -> pb.Flight:
        caller()
        return await self._flight(request.designation)

    async def _flight(self, designation: str) -> pb.Flight:
        async with self._sessions() as session:
            return _flight_proto(await store.flight(session, designation))

    # Registration

    async def GetRegistrationForm(self, request: pb.GetRegistrationFormRequest, context) -> pb.RegistrationForm:
        principal = caller()
        async with self._sessions() as session:
            flight = await store.flight(session, request.designation)
            existing = await store.open_registration(session, flight.designation, principal.duns)
            existing_cr = await store.approved_before(session, principal.duns, flight.designation)
            last = await store.last_registration_fields(session, principal.duns)
        if existing is not None:
            refusal = _already_registered(flight, existing)
        else:  # what the form's OK would meet: the table's first action
            registration = Registration(principal.duns, _flight_context(flight))
            refusal = str(REGISTRATION_FLOW.refusal(registrations.OK, NEW, principal, registration, _now()) or "")
        form = pb.RegistrationForm(
            flight=_flight_proto(flight),
            may_register=not refusal,
            refusal=refusal,
            existing_item_id=existing.item_id if existing else 0,
            existing_cr=existing_cr,
            customer_classes=[pb.Choice(value=k, label=v) for k, v in domain.CUSTOMER_CLASSES.items()],
        )
        if not authz.may_register(principal, principal.duns):
            return form
        _, choices = await self._directory.cr(principal.duns)
        values = {k: v for k, v in (last or {}).items() if k in registrations.FORM_FIELDS}
        for name in registrations.EXISTING_CR_FIELDS:
            values.pop(name, None)  # asked afresh for every flight
        for name in ("primary_contact", "secondary_contact", "testing_contact"):
            if values.get(name) not in choices.contacts:
                values.pop(name, None)  # deactivated since: the AR chooses again
        form.values.update(values)
        form.contacts.extend(pb.Choice(value=k, label=v) for k, v in choices.contacts.items())
        form.distribution_lists.extend(
            pb.Choice(value=k, label=f"{v} <{k}>") for k, v in choices.distribution_lists.items()
        )
        form.tdsps.extend(pb.Choice(value=k, label=v) for k, v in choices.tdsps.items())
        form.service_providers.extend(pb.Choice(value=k, label=v) for k, v in choices.service_providers.items())
        return form

    async def Register(self, request: pb.RegisterRequest, context) -> items_pb2.Item:
        """The first OK of a CR's registration, forwarded to its workflow, whose table decides (a refused one leaves
        an empty workflow that a later OK may still take, and that otherwise ends by itself)."""
        principal = caller()
        async with self._sessions() as session:
            flight = await store.flight(session, request.designation)
            existing = await store.open_registration(session, flight.designation, principal.duns)
            if existing is not None:
                raise errors.Conflict(_already_registered(flight, existing), {"flight": "already registered"})
            existing_cr = await store.approved_before(session, principal.duns, flight.designation)
        _may_fill_the_form(registrations.OK, principal, principal.duns, flight)
        company, fields = await self._checked_fields(principal.duns, dict(request.fields), existing_cr)
        async with self._sessions() as session:
            item_id = await store.next_item_id(session)
        registration = registrations.RegistrationInput(
            item_id, flight.designation, company.duns, company.name, _flight_context(flight)
        )
        status = await start_with_action(
            self._temporal,
            FlightRegistrationWorkflow.run,
            registration,
            id=registration_workflow_id(flight.designation, company.duns),
            task_queue=registration_flow.TASK_QUEUE,
            action=registrations.OK,
            given=registrations.RegistrationAction(actor_of(principal), fields),
            write_steps=self._write_steps,
            result_type=registrations.RegistrationStatus,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return await self._item(status.item_id, principal)

    async def _checked_fields(self, cr_duns: str, raw: dict[str, str], existing_cr: bool):
        """Validates the form against the CR's users and the market, and decides the testing umbrella;
        returns the CR's facts and the fields to keep. Holds no database connection while identity answers."""
        company, choices = await self._directory.cr(cr_duns)
        fields, problems = domain.clean_registration(raw, choices, existing_cr)
        if problems:
            raise errors.InvalidFields(problems, errors.problems_message(problems, domain.REGISTRATION_FIELD_LABELS))
        parent_fields = None
        if company.parent_duns:
            async with self._sessions() as session:
                parent_fields = await store.last_registration_fields(session, company.parent_duns)
        fields["testing_as"], fields["testing_as_reason"] = domain.testing_umbrella(
            company.parent_duns, company.parent_name, parent_fields, fields, existing_cr
        )
        return company, fields

    # Items

    async def GetItem(self, request: items_pb2.GetItemRequest, context) -> items_pb2.Item:
        return await self._item(request.item_id, caller())

    async def ActOnItem(self, request: items_pb2.ActOnItemRequest, context) -> items_pb2.Item:
        principal = caller()
        async with self._sessions() as session:
            item, flight = await store.visible_item(session, principal, request.item_id)
            modifying = request.action == registrations.MODIFY and item.item_type != notices.ITEM_TYPE
            existing_cr = modifying and await store.approved_before(session, item.company_duns, flight.designation)
        if item.item_type == notices.ITEM_TYPE:
            # Outside the session: a notice's action opens its own and waits on its workflow, holding none meanwhile.
            return await self._act_on_notice(item, request, principal)
        flow = flight_rules.FLOW if item.item_type == flights.ITEM_TYPE else REGISTRATION_FLOW
        if (unknown := flow.unknown(request.action)) is not None:
            raise errors.refused(unknown)
        if item.item_type == flights.ITEM_TYPE:
            handle = self._temporal.get_workflow_handle(flight_workflow_id(flight.designation))
            given = self._flight_action(flight, request, principal)
        else:
            handle = self._temporal.get_workflow_handle(item.workflow_id)
            given = await self._registration_action(item, flight, existing_cr, request, principal)
        await forward(handle, request.action, given, self._write_steps)
        return await self._item(request.item_id, principal)

    def _flight_action(self, flight: models.Flight, request: items_pb2.ActOnItemRequest, principal):
        if request.action == flights.CHANGE_DATES:
            refused = flight_rules.FLOW.not_theirs(request.action, principal, _flight_facts(flight))
            if refused is not None:
                raise errors.refused(refused)
            current = {
                "signup_deadline_time": flight.registration_closes_at.astimezone(domain.CENTRAL).time().isoformat(),
                "signup_deadline": flight.signup_deadline.isoformat(),
                "day1_of_testing": flight.day1_of_testing.isoformat(),
                "end_date": flight.end_date.isoformat(),
            }
            given = {name: value for name, value in request.fields.items() if value.strip()}
            dates, problems = domain.flight_dates({**current, **given}, _now())
            if problems or dates is None:
                raise errors.InvalidFields(problems, errors.problems_message(problems, domain.FLIGHT_FIELD_LABELS))
            return flights.FlightAction(actor_of(principal), dates.as_fields(), request.comment)
        return flights.FlightAction(actor_of(principal), comment=request.comment)

    async def _registration_action(
        self, item, flight, existing_cr: bool, request: items_pb2.ActOnItemRequest, principal
    ):
        fields: dict[str, str] = {}
        if request.action == registrations.MODIFY:
            _may_fill_the_form(registrations.MODIFY, principal, item.company_duns, flight)
            _, fields = await self._checked_fields(item.company_duns, dict(request.fields), existing_cr)
        return registrations.RegistrationAction(actor_of(principal), fields, request.comment)

    async def _item(self, item_id: int, principal: tokens.Principal) -> items_pb2.Item:
        async with self._sessions() as session:
            item, flight = await store.visible_item(session, principal, item_id)
            if item.item_type == notices.ITEM_TYPE:
                return await self._notice_item(item, principal)
            history = await projections.history(session, models.ItemHistory, item_id)
        if item.item_type == flights.ITEM_TYPE:
            actions = flight_rules.FLOW.offered(flight.state, principal, _flight_facts(flight), _now())
            return projections.item_proto(item, history, actions)
        registration = Registration(item.company_duns, _flight_context(flight))
        actions = REGISTRATION_FLOW.offered(item.state, principal, registration, _now())
        return projections.item_proto(
            item,
            history,
            actions,
            fields=domain.visible_fields(principal, item.company_duns, item.fields),
            changes_of=lambda entry: domain.visible_changes(principal, item.company_duns, entry.changes),
        )

    async def GetReport(self, request: items_pb2.ReportRequest, context) -> items_pb2.Report:
        principal = caller()
        if request.report == NOTICES_REPORT:
            return await self._notices_report(request, principal)
        async with self._sessions() as session:
            return await reports.build(session, request, principal, _now())



async def register(server, settings: Settings, sessions: async_sessionmaker) -> str:
    from flightrak import temporal

    directory = Directory(grpc_runtime.channel(settings.service_address("identity")))
    servicer = RegistrationServicer(
        sessions, await temporal.connect(settings), directory, settings.notice_reminder_hours
    )
    registration_pb2_grpc.add_RegistrationServiceServicer_to_server(servicer, server)
    items_pb2_grpc.add_ItemServiceServicer_to_server(servicer, server)
    calendars_pb2_grpc.add_CalendarServiceServicer_to_server(CalendarServicer(sessions), server)
    return pb.DESCRIPTOR.services_by_name["RegistrationService"].full_name
