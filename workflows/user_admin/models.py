"""Inputs and states of a user-admin request; shared by the workflow and the identity service."""

from dataclasses import dataclass, field

from workflows import owners
from workflows.items import ActionInput, Actor, ItemTransition  # noqa: F401  (the request's own vocabulary)

ITEM_TYPE = "User Admin Request"

ADD = "add"
UPDATE = "update"
DEACTIVATE = "deactivate"
KIND_TITLES = {ADD: "Add New User", UPDATE: "Update User", DEACTIVATE: "Delete User"}

# States, in the words the item page shows.
NEW = "New"
PENDING_COMMIT = "Pending Commit"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
CLOSED_STATES = frozenset({COMPLETED, CANCELLED})

OK = "ok"
COMMIT = "commit"
CANCEL = "cancel"
EXPIRE = "expire"

USER_FIELDS = ("first_name", "last_name", "employee_id", "email", "phone")

# Activity names: the contract between this workflow and the identity service that executes them.
RECORD_ITEM_TRANSITION = owners.IDENTITY.record_item_transition
APPLY_USER_CHANGE = "identity.apply_user_change"
ACTIVITY_TASK_QUEUE = owners.IDENTITY.task_queue


@dataclass
class UserRequestInput:
    item_id: int
    kind: str
    company_duns: str
    company_name: str
    target_user_id: str = ""
    before: dict[str, str] = field(default_factory=dict)


@dataclass
class UserChange:
    kind: str
    company_duns: str
    target_user_id: str
    fields: dict[str, str]


@dataclass
class UserChangeResult:
    user_id: str


@dataclass
class RequestStatus:
    item_id: int
    state: str
    fields: dict[str, str]
    user_id: str = ""
