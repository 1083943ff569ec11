"""Errors the domain raises; each service maps them to a gRPC status, the gateway to HTTP."""

import json

import grpc

from workflows.items import FORBIDDEN, INVALID

FIELD_ERRORS_METADATA = "x-flightrak-field-errors"


class DomainError(Exception):
    status = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidFields(DomainError):
    """Bad input: every problem named by its field."""

    status = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or "; ".join(f"{name}: {problem}" for name, problem in fields.items()), fields)


class PermissionDenied(DomainError):
    status = grpc.StatusCode.PERMISSION_DENIED


class NotFound(DomainError):
    status = grpc.StatusCode.NOT_FOUND


class Conflict(DomainError):
    status = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    status = grpc.StatusCode.FAILED_PRECONDITION


class Unauthenticated(DomainError):
    status = grpc.StatusCode.UNAUTHENTICATED


class Unavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE


def refused(refusal) -> DomainError:
    """The domain error for a rule's refusal (workflows.items.Refusal: kind, message, field): 403 not the caller's
    to take, 400 bad input naming its field, else 409 (not in this state, or not now)."""
    if refusal.kind == FORBIDDEN:
        return PermissionDenied(refusal.message)
    if refusal.kind == INVALID:
        return InvalidFields({refusal.field or "input": refusal.message}, refusal.message)
    return FailedPrecondition(refusal.message)


def problems_message(problems: dict[str, str], labels: dict[str, str]) -> str:
    """One sentence naming every problem by the label people see on the form."""
    return "Please correct: " + "; ".join(f"{labels.get(name, name)} {problem}" for name, problem in problems.items())


def encode_fields(fields: dict[str, str]) -> str:
    return json.dumps(fields, sort_keys=True)


def decode_fields(metadata) -> dict[str, str]:
    for key, value in metadata or ():
        if key == FIELD_ERRORS_METADATA:
            return json.loads(value)
    return {}
