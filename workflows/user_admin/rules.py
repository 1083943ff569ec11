"""A user-admin request, as one table: New -> OK (verify) -> Pending Commit -> Commit -> Completed, or Cancelled by
the MP Admin or by FlighTrak after 30 idle days. The workflow, the buttons and the docs' diagram read it."""

from dataclasses import dataclass

from flightrak import authz
from flightrak.tokens import Principal
from workflows import owners
from workflows.table import Action, Flow, State, by_system
from workflows.user_admin import models as m


@dataclass(frozen=True)
class UserRequest:
    """What the rules read: whose users the request changes."""

    company_duns: str


def _administers(principal: Principal, request: UserRequest) -> bool:
    return authz.may_administer_users(principal, request.company_duns)


ADMINS_ONLY = "only an MP Admin of this company, or ERCOT, may act on this request"
OPEN = (m.NEW, m.PENDING_COMMIT)

FLOW = Flow[UserRequest](
    item_type=m.ITEM_TYPE,
    item_word="request",
    owner=owners.IDENTITY,
    states={
        m.NEW: State("MP Admin", "Enter the user's details and click OK."),
        m.PENDING_COMMIT: State("MP Admin", "Verify the information, then click Commit (or correct it and click OK)."),
        m.COMPLETED: State("", "The request is complete and closed.", closed=True),
        m.CANCELLED: State("", "The request was cancelled; nothing was changed.", closed=True),
    },
    actions={
        m.OK: Action("OK", OPEN, m.PENDING_COMMIT, _administers, ADMINS_ONLY, fields=m.USER_FIELDS),
        m.COMMIT: Action("Commit", (m.PENDING_COMMIT,), m.COMPLETED, _administers, ADMINS_ONLY),
        m.CANCEL: Action("Cancel", OPEN, m.CANCELLED, _administers, ADMINS_ONLY),
        # Taken by FlighTrak when a request has had no step for 30 days, never by a person.
        m.EXPIRE: by_system("Expired", OPEN, m.CANCELLED, "FlighTrak cancels an idle request"),
    },
)
