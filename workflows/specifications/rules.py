"""A Request for Testing Specifications, as two tables, one per kind of request (their actions differ): a CR's (worked
by the CR or the Service Provider it selected) goes Pending Testing Specifications -> ERCOT Review -> Approved; a
TDSP's goes on from its specifications to its test bed, Test Bed Loading -> Test Bed Review (ERCOT) -> Completed.
The system cancels either when the registration it served is cancelled. Once a request's specifications stand (a CR's
approved, a TDSP's provided), Run EDM Self-Test may be taken any number of times without moving it. The workflow, the
buttons and the docs' diagram read them."""

from dataclasses import dataclass
from datetime import datetime

from flightrak import authz
from flightrak.tokens import Principal
from workflows import owners
from workflows.items import Refusal, conflict
from workflows.specifications import models as m
from workflows.table import Action, Flow, Guard, Party, State, by_system, no_guard


@dataclass(frozen=True)
class Request:
    """What the rules read: whose request it is, and whether a valid test bed is attached to it."""

    company_duns: str
    service_provider_duns: str  # a CR's chosen SP, who may work the request too
    test_bed_attached: bool = False

    @classmethod
    def of(cls, company_duns: str, service_provider_duns: str, fields: dict[str, str]) -> "Request":
        """As the workflow holds it, or the service reads it from the request's projection (for the buttons)."""
        return cls(company_duns, service_provider_duns, bool(fields.get("test_bed_rows")))


def _works_it(principal: Principal, request: Request) -> bool:
    """Any active user of the company, or of the Service Provider a CR selected."""
    return authz.acts_for_cr(principal, request.company_duns, request.service_provider_duns)


def _ercot_reviews(principal: Principal, request: Request) -> bool:
    return principal.is_ercot


PROVIDE = "Provide/Review Testing Specifications"
ERCOT_ONLY = "only ERCOT approves or rejects testing specifications"
REJECT_NEEDS = "Reject needs a comment telling them what to fix"


_cr = Party[Request](_works_it, "only the CR or its Service Provider may work this request")
_tdsp = Party[Request](_works_it, "only the TDSP may work this request")
_ercot = Party[Request](_ercot_reviews, ERCOT_ONLY)


def _tests_it(principal: Principal, request: Request) -> bool:
    """Who works the request, and ERCOT's staff, who may check a participant's connectivity for it."""
    return principal.is_ercot or _works_it(principal, request)


_tester = Party[Request](_tests_it, "only the company, its Service Provider or ERCOT run its EDM self-test")
SELF_TEST = "Run EDM Self-Test"


def _self_test(*states: str) -> Action[Request]:
    """Sends a test file to the specifications' EDM server and records how it went; the item stays where it is, and
    the test may be run again."""
    return _tester(SELF_TEST, states, {state: state for state in states})


def _registration_cancelled(states: dict[str, State]) -> Action[Request]:
    """Taken by the system from any state but Cancelled when the registration the request served is cancelled (the
    workflow's registration_cancelled update), never by a person."""
    open_to_it = tuple(state for state in states if state != m.CANCELLED)
    return by_system(
        "Registration Cancelled",
        open_to_it,
        m.CANCELLED,
        "only the system cancels a request, when the registration it served is cancelled",
    )


def _test_bed_attached(action: str, request: Request, now: datetime) -> Refusal | None:
    if action == m.SUBMIT_TEST_BED and not request.test_bed_attached:
        return conflict("attach a valid test bed (Attach and Validate) before submitting it")
    return None


PENDING = (
    "Provide/Review Testing Specifications: enter the NAESB EDM specifications and the testing and connectivity "
    "contacts, then click OK."
)
CANCELLED = State("", "The registration this request served was cancelled; nothing is left to provide.", closed=True)

CR_STATES = {
    m.PENDING_SPECIFICATIONS: State("CR", PENDING),
    m.ERCOT_REVIEW: State("ERCOT", "ERCOT reviews the testing specifications: Approve them, or Reject with a comment."),
    m.APPROVED: State("", "The testing specifications are approved.", closed=True),
    m.CANCELLED: CANCELLED,
}
TDSP_STATES = {
    m.PENDING_SPECIFICATIONS: State("TDSP", PENDING),
    m.TEST_BED_LOADING: State(
        "TDSP", "Download the test-bed template, fill it in, then Attach and Validate it; when it is valid, Submit it."
    ),
    m.TEST_BED_REVIEW: State("ERCOT", "ERCOT reviews the test bed: Approve it, or Reject with a comment."),
    m.COMPLETED: State("", "The test bed is approved; this request is complete.", closed=True),
    m.CANCELLED: CANCELLED,
}


def _request_flow(
    kind: str, states: dict[str, State], actions: dict[str, Action[Request]], guard: Guard[Request] = no_guard
) -> Flow[Request]:
    """A kind's table: one item type, whose every kind the system cancels with the registration it served."""
    actions = {**actions, m.CANCEL_REQUEST: _registration_cancelled(states)}
    return Flow[Request](m.ITEM_TYPE, f"{kind} request", owners.TESTBED, states, actions, guard, item_kind=kind)


CR_FLOW = _request_flow(
    m.CR,
    CR_STATES,
    {
        m.PROVIDE: _cr(PROVIDE, m.PENDING_SPECIFICATIONS, m.ERCOT_REVIEW, fields=m.ENTERED_FIELDS),
        m.APPROVE: _ercot("Approve", m.ERCOT_REVIEW, m.APPROVED),
        m.REJECT: _ercot("Reject", m.ERCOT_REVIEW, m.PENDING_SPECIFICATIONS, needs_comment=REJECT_NEEDS),
        m.RUN_EDM_SELF_TEST: _self_test(m.APPROVED),
    },
)

TDSP_FLOW = _request_flow(
    m.TDSP,
    TDSP_STATES,
    {
        # Provided again while loading the test bed: the specifications stay the TDSP's to correct.
        m.PROVIDE: _tdsp(
            PROVIDE, (m.PENDING_SPECIFICATIONS, m.TEST_BED_LOADING), m.TEST_BED_LOADING, fields=m.ENTERED_FIELDS
        ),
        # Recorded by the testbed service once the uploaded file is valid; the item page offers it as the upload.
        m.ATTACH_TEST_BED: _tdsp("Attach and Validate", (m.TEST_BED_LOADING,), m.TEST_BED_LOADING),
        m.SUBMIT_TEST_BED: _tdsp("Submit", (m.TEST_BED_LOADING,), m.TEST_BED_REVIEW),
        m.APPROVE: _ercot("Approve", m.TEST_BED_REVIEW, m.COMPLETED),
        m.REJECT: _ercot("Reject", m.TEST_BED_REVIEW, m.TEST_BED_LOADING, needs_comment=REJECT_NEEDS),
        # A TDSP's specifications are taken as provided (ERCOT reviews its test bed): testable from then on.
        m.RUN_EDM_SELF_TEST: _self_test(m.TEST_BED_LOADING, m.TEST_BED_REVIEW, m.COMPLETED),
    },
    _test_bed_attached,
)

FLOWS = {m.CR: CR_FLOW, m.TDSP: TDSP_FLOW}
