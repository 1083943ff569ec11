"""Errors the domain raises; each service maps them to a gRPC status with rich details, the gateway to HTTP."""

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from workflows.items import DEFAULT_CODES, FORBIDDEN, INVALID, INVALID_FIELD, Refusal

# google.rpc.ErrorInfo's domain: the reasons FlighTrak's services give are FlighTrak's own vocabulary.
DOMAIN = "flightrak"


class DomainError(Exception):
    """A refusal the caller may read: its status, its code (the reason, for programs), its words and the fields."""

    status = grpc.StatusCode.UNKNOWN

    def __init_subclass__(cls, status: grpc.StatusCode | None = None, **options):
        super().__init_subclass__(**options)
        cls.status = status or cls.status

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code or self.status.name


class InvalidFields(DomainError, status=grpc.StatusCode.INVALID_ARGUMENT):
    """Bad input: every problem named by its field."""

    def __init__(self, fields: dict[str, str], message: str | None = None, code: str = INVALID_FIELD):
        named = message or "; ".join(f"{name}: {problem}" for name, problem in fields.items())
        super().__init__(named, fields, code)


class PermissionDenied(DomainError, status=grpc.StatusCode.PERMISSION_DENIED): ...


class NotFound(DomainError, status=grpc.StatusCode.NOT_FOUND): ...


class Conflict(DomainError, status=grpc.StatusCode.ALREADY_EXISTS): ...


class FailedPrecondition(DomainError, status=grpc.StatusCode.FAILED_PRECONDITION): ...


class Unauthenticated(DomainError, status=grpc.StatusCode.UNAUTHENTICATED): ...


class Unavailable(DomainError, status=grpc.StatusCode.UNAVAILABLE): ...


def refused(refusal: Refusal) -> DomainError:
    """The domain error for a rule's refusal: 403 not the caller's to take, 400 bad input naming its field, else 409
    (not in this state, or not now); its code and field go with it."""
    return refused_as(refusal.kind, refusal.message, refusal.fields, refusal.code)


def refused_as(kind: str, message: str, fields: dict[str, str], code: str = "") -> DomainError:
    code = code or DEFAULT_CODES.get(kind, "")
    if kind == FORBIDDEN:
        return PermissionDenied(message, fields, code)
    if kind == INVALID:
        return InvalidFields(fields or {"input": message}, message, code)
    return FailedPrecondition(message, fields, code)


def problems_message(problems: dict[str, str], labels: dict[str, str]) -> str:
    """One sentence naming every problem by the label people see on the form."""
    return "Please correct: " + "; ".join(f"{labels.get(name, name)} {problem}" for name, problem in problems.items())


def rich_status(error: DomainError, message: str, fields: dict[str, str]) -> status_pb2.Status:
    """The google.rpc.Status a service answers for a domain error: ErrorInfo with its code, and BadRequest naming
    each field (`message` and `fields` as the caller may be sent them, bounded)."""
    reason = _packed(error_details_pb2.ErrorInfo(reason=error.code, domain=DOMAIN))
    details = [reason]
    if fields:
        violations = [error_details_pb2.BadRequest.FieldViolation(field=n, description=p) for n, p in fields.items()]
        details.append(_packed(error_details_pb2.BadRequest(field_violations=violations)))
    return status_pb2.Status(code=error.status.value[0], message=message, details=details)


def reason_and_fields(status: status_pb2.Status | None) -> tuple[str, dict[str, str]]:
    """What a FlighTrak service's rich status says: its ErrorInfo reason ("" if none) and each field's problem."""
    reason, fields = "", dict[str, str]()
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == DOMAIN:
                reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields |= {violation.field: violation.description for violation in bad_request.field_violations}
    return reason, fields


def _packed(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
