"""A refusal keeps its code, its fields and its words from the workflow's validator to the HTTP answer: the
validator's ApplicationError, run_update's domain error, the service's google.rpc.Status details and the gateway's
JSON. These run one gRPC server in-process; no stack is needed."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from flightrak import errors, grpc_runtime
from flightrak.identity.v1 import identity_pb2
from flightrak.sessions import SessionCheck
from flightrak.temporal import run_update
from services.gateway.backends import api_error
from workflows import items

# An RPC the interceptor lets in without a token, so the test needs no identity service behind it.
METHOD = "/flightrak.identity.v1.IdentityService/SignIn"


async def refused_by_validator(refusal: items.Refusal) -> errors.DomainError:
    """What run_update makes of a Workflow Update whose validator refused it."""
    try:
        items.refuse(refusal)
    except ApplicationError as raised:
        failure = raised

    async def pending():
        raise WorkflowUpdateFailedError(failure)

    with pytest.raises(errors.DomainError) as caught:
        await run_update(pending())
    return caught.value


async def answered(error: errors.DomainError) -> grpc.aio.AioRpcError:
    """The error a gRPC client meets when a service's method raises `error`."""

    async def behaviour(request, context):
        raise error

    handler = grpc.method_handlers_generic_handler(
        "flightrak.identity.v1.IdentityService",
        {
            "SignIn": grpc.unary_unary_rpc_method_handler(
                behaviour,
                request_deserializer=identity_pb2.SignInRequest.FromString,
                response_serializer=identity_pb2.SignInResponse.SerializeToString,
            )
        },
    )
    server = grpc_runtime.create_server("secret", SessionCheck(None))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc_runtime.channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(
                METHOD,
                request_serializer=identity_pb2.SignInRequest.SerializeToString,
                response_deserializer=identity_pb2.SignInResponse.FromString,
            )
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call(identity_pb2.SignInRequest(email="ar@lonestar.example", password="p"))
            return caught.value
    finally:
        await server.stop(None)


async def test_a_refused_comment_keeps_its_code_and_field_from_validator_to_http():
    error = await refused_by_validator(items.invalid("comment", "Return to CR needs a comment"))
    assert isinstance(error, errors.InvalidFields)
    assert (error.code, error.fields) == (items.COMMENT_REQUIRED, {"comment": "Return to CR needs a comment"})

    rpc_error = await answered(error)
    assert rpc_error.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(rpc_error)
    info, bad_request = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(bad_request)
    assert (info.reason, info.domain) == ("COMMENT_REQUIRED", "flightrak")
    violations = [(v.field, v.description) for v in bad_request.field_violations]
    assert violations == [("comment", "Return to CR needs a comment")]

    answer = api_error(rpc_error)
    assert answer.status == 400
    assert answer.body() == {
        "error": {
            "code": "invalid_input",
            "reason": "COMMENT_REQUIRED",
            "message": "Return to CR needs a comment",
            "fields": {"comment": "Return to CR needs a comment"},
        }
    }


@pytest.mark.parametrize(
    ("refusal", "grpc_code", "http_status", "reason"),
    [
        (items.forbidden("only ERCOT reviews registrations"), grpc.StatusCode.PERMISSION_DENIED, 403, "NOT_PERMITTED"),
        (items.conflict("Submit is not possible in state Approved"), grpc.StatusCode.FAILED_PRECONDITION, 409,
         "NOT_IN_THIS_STATE"),
        (items.conflict("Approve is still under way", items.ACTION_UNDER_WAY), grpc.StatusCode.FAILED_PRECONDITION,
         409, "ACTION_UNDER_WAY"),
        (items.invalid("action", "'Fly' is not a flight action"), grpc.StatusCode.INVALID_ARGUMENT, 400,
         "UNKNOWN_ACTION"),
    ],
)
async def test_each_kind_of_refusal_answers_its_status_and_reason(refusal, grpc_code, http_status, reason):
    rpc_error = await answered(await refused_by_validator(refusal))
    assert rpc_error.code() == grpc_code and rpc_error.details() == refusal.message
    answer = api_error(rpc_error)
    assert (answer.status, answer.reason, answer.message, answer.fields) == (
        http_status,
        reason,
        refusal.message,
        refusal.fields,
    )


async def test_a_refusal_naming_hundreds_of_fields_still_arrives():
    """Its trailers pass 8 KB, past which gRPC refuses some calls at random (413): ten calls in a row arrive."""
    many = {f"rows[{row}].esi_id": "must be 17 or 22 digits " * 4 for row in range(400)}
    for _ in range(10):
        answer = api_error(await answered(errors.InvalidFields(many)))
        assert answer.status == 400 and answer.reason == items.INVALID_FIELD
        assert answer.fields and set(answer.fields) <= set(many)


async def test_an_activitys_refusal_without_a_code_answers_the_default_of_its_kind():
    """A refusal written before codes travelled (an activity's ApplicationError holds only the fields) still names
    its fields, with the kind's code."""
    failure = ApplicationError("email: is already used", {"email": "is already used"}, type=items.INVALID)

    async def pending():
        raise WorkflowUpdateFailedError(failure)

    with pytest.raises(errors.InvalidFields) as caught:
        await run_update(pending())
    assert (caught.value.code, caught.value.fields) == (items.INVALID_FIELD, {"email": "is already used"})
