"""What each operation answers, as the OpenAPI document declares it (issue 13): the error shape and every success body.

Declared with `responses=` only, never as a `response_model`: a body that strayed from its declaration is answered as
it is (the schemathesis test catches the stray), never turned into a 500 by output validation. Bodies made of a
protobuf message (`as_json`) get their models from the message's descriptor, so they follow the contract by
construction."""

from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from pydantic import BaseModel, ConfigDict, Field, create_model

from flightrak.identity.v1 import identity_pb2
from flightrak.items.v1 import items_pb2
from flightrak.registration.v1 import registration_pb2
from flightrak.scripts.v1 import scripts_pb2

# How MessageToDict writes each scalar: 64-bit integers as JSON strings, so no client loses digits.
_SCALARS = {
    FieldDescriptor.TYPE_INT64: str,
    FieldDescriptor.TYPE_UINT64: str,
    FieldDescriptor.TYPE_SINT64: str,
    FieldDescriptor.TYPE_FIXED64: str,
    FieldDescriptor.TYPE_SFIXED64: str,
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_UINT32: int,
    FieldDescriptor.TYPE_SINT32: int,
    FieldDescriptor.TYPE_FIXED32: int,
    FieldDescriptor.TYPE_SFIXED32: int,
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BYTES: str,
    FieldDescriptor.TYPE_ENUM: str,
    FieldDescriptor.TYPE_DOUBLE: float,
    FieldDescriptor.TYPE_FLOAT: float,
}
# Well-known messages MessageToDict writes as one JSON value.
_WELL_KNOWN = {"google.protobuf.Timestamp": str, "google.protobuf.Duration": str, "google.protobuf.Struct": dict}


def _value_type(field: FieldDescriptor) -> Any:
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return _SCALARS[field.type]
    message = field.message_type
    assert message is not None  # a message field's type
    return _WELL_KNOWN.get(message.full_name) or proto_model(message)


def _field(field: FieldDescriptor) -> tuple[Any, Any]:
    """A protobuf field as `as_json` writes it: maps and lists always, scalars always, a message only when set."""
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return dict[str, _value_type(field.message_type.fields_by_name["value"])], ...  # type: ignore[misc]  # built at run time
    if field.is_repeated:
        return list[_value_type(field)], ...  # type: ignore[misc]  # built at run time
    if field.has_presence:
        return _value_type(field) | None, None
    return _value_type(field), ...


@cache
def proto_model(descriptor: Descriptor) -> type[BaseModel]:
    """The pydantic model of a protobuf message's JSON (MessageToDict, field names as in the .proto)."""
    fields: dict[str, Any] = {field.name: _field(field) for field in descriptor.fields}
    return create_model(descriptor.name, __doc__=f"`{descriptor.full_name}` as JSON", **fields)


# The message bodies, built from the messages at run time.
RegistrationForm = proto_model(registration_pb2.RegistrationForm.DESCRIPTOR)
NoticeSubscription = proto_model(registration_pb2.NoticeSubscription.DESCRIPTOR)
NoticeSubscriptions = proto_model(registration_pb2.ListNoticeSubscriptionsResponse.DESCRIPTOR)
Attention = proto_model(items_pb2.Attention.DESCRIPTOR)
NeedingAttention = proto_model(items_pb2.NeedingAttention.DESCRIPTOR)
# These stand in annotations and as base classes below: to the type checker, pydantic models whose fields it cannot see.
if TYPE_CHECKING:
    Item: TypeAlias = BaseModel
    User: TypeAlias = BaseModel
    Company: TypeAlias = BaseModel
    DistributionList: TypeAlias = BaseModel
    TransactionSystem: TypeAlias = BaseModel
    Flight: TypeAlias = BaseModel
    Notice: TypeAlias = BaseModel
    PackVersion: TypeAlias = BaseModel
else:
    Item = proto_model(items_pb2.Item.DESCRIPTOR)
    User = proto_model(identity_pb2.User.DESCRIPTOR)
    Company = proto_model(identity_pb2.Company.DESCRIPTOR)
    DistributionList = proto_model(identity_pb2.DistributionList.DESCRIPTOR)
    TransactionSystem = proto_model(identity_pb2.TransactionSystem.DESCRIPTOR)
    Flight = proto_model(registration_pb2.Flight.DESCRIPTOR)
    Notice = proto_model(registration_pb2.Notice.DESCRIPTOR)
    PackVersion = proto_model(scripts_pb2.PackVersion.DESCRIPTOR)


class Problem(BaseModel):
    row: int
    column: str
    message: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="invalid_input, unauthenticated, forbidden, not_found, conflict, too_large, ...")
    reason: str | None = Field(
        None,
        description="why a service refused, for programs: NOT_PERMITTED, NOT_IN_THIS_STATE, ITEM_CLOSED, "
        "COMMENT_REQUIRED, UNKNOWN_ACTION, INVALID_FIELD, ACTION_UNDER_WAY, NEEDS_ATTENTION, ... (the reason of the "
        "service's google.rpc.ErrorInfo)",
    )
    message: str
    fields: dict[str, str] = Field(default_factory=dict, description="each bad field and what is wrong with it")
    incident: str | None = Field(None, description="an unexpected error's incident ID; the detail stays in the log")
    problems: list[Problem | str] | None = Field(None, description="a refused file's or pack's every problem")
    more_problems: int | None = None


class Error(BaseModel):
    error: ErrorDetail


def error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


def success(model: Any, status_code: int = 200) -> dict[str, Any]:
    """A route's success status and the body it declares for it, said once so that the two agree."""
    return {"status_code": status_code, "responses": {status_code: {"model": model}}}


# The errors every operation may answer; a route adds its own (413, 422) beside them.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("bad input: each bad field named in `fields`"),
    401: error("not signed in, or the session ended"),
    403: error("the caller may not do this"),
    404: error("no such thing, or not one the caller may see"),
    409: error("conflict: already done, or not in a state that allows it"),
    429: error("too many requests: try again after the retry-after header's seconds"),
    500: error("an unexpected error: its incident ID, nothing more"),
    503: error("a service or Temporal is unavailable"),
    504: error("a service did not answer in time"),
}


class Health(BaseModel):
    status: str


class RunRestart(BaseModel):
    """A process `flightrak run` restarted (<data_dir>/run/processes.json)."""

    name: str = Field(description="the process: postgres, temporal, smtp-sink, identity-1, worker-2, gateway-1, ...")
    at: str = Field(description="when it was started again (ISO 8601, UTC)")
    exit: str | None = Field(description="how it ended: signal 9, code 1")
    pid_before: int
    pid_after: int


class Readiness(BaseModel):
    ready: bool
    components: dict[str, str]
    restarts: list[RunRestart] | None = Field(
        None, description="under `flightrak run`: the last 20 processes it restarted, oldest first"
    )


class ItemEvent(BaseModel):
    """The data of one `item` server-sent event: an item's step, as its projection now stands."""

    item_id: int
    kind: str
    flight: str
    state: str
    responsible: str
    seq: int
    closed: bool
    parent: int | None
    at: float


class Session(BaseModel):
    token: str
    expires_at: str
    user: User


class SystemSession(BaseModel):
    token: str
    expires_at: str


class Companies(BaseModel):
    companies: list[Company]


class Users(BaseModel):
    users: list[User]


class SetPasswordLink(BaseModel):
    url: str
    expires_at: str


class PasswordSet(BaseModel):
    email: str


class DistributionLists(BaseModel):
    distribution_lists: list[DistributionList]


class Items(BaseModel):
    items: list[Item]


class Flights(BaseModel):
    flights: list[Flight]


class Report(BaseModel):
    report: str
    title: str
    columns: list[str]
    rows: list[dict[str, str]]
    next_page_token: str


class AttachedTestBed(BaseModel):
    rows: int
    item: Item


class PublishedPack(PackVersion):
    unchanged: bool


class PublishedPackContent(PackVersion):
    pack: Any = Field(description="the pack as published, in canonical JSON")


class TransactionOutcome(BaseModel):
    type: str
    sender_duns: str
    reference: str
    matched_item_id: int | None
    matched_step: int | None = Field(description="the step of that script issue it claimed; none for a failed one")
    duplicate: bool
    unmatched_reason: str | None


class TransactionOutcomes(BaseModel):
    transactions: list[TransactionOutcome]


class InterchangeProblem(BaseModel):
    position: int
    segment_id: str
    control_number: str
    reason: str


class InterchangeOutcome(BaseModel):
    accepted_whole: bool
    interchange_control_number: str
    transactions: list[TransactionOutcome]
    refused: list[str]
    problems: list[InterchangeProblem]
    error: ErrorDetail | None = None


# One JSON receipt's outcome, a list's outcomes, or an X12 interchange's.
TransactionsTaken = TransactionOutcome | TransactionOutcomes | InterchangeOutcome


class AttachedTransactionOutcome(TransactionOutcome):
    attached_by: str
    comment: str


class AttachedTransaction(BaseModel):
    transaction: AttachedTransactionOutcome
    item: Item


class Notices(BaseModel):
    notices: list[Notice]


class TransactionSystemWithKey(TransactionSystem):
    key: str = Field(description="shown in this reply only")


class TransactionSystems(BaseModel):
    systems: list[TransactionSystem]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file(*media_types: str) -> dict:
    """A download: its body is the file itself."""
    return {"description": "the file", "content": {media: {"schema": {"type": "string"}} for media in media_types}}
