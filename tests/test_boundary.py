"""One boundary: text with control characters or lone surrogates, text past its field's length, and numbers past
their range are refused where they enter, named by field; through the gateway and straight to a service alike."""

import grpc
import pytest

from flightrak import boundary, grpc_runtime
from flightrak.identity.v1 import identity_pb2, identity_pb2_grpc
from flightrak.items.v1 import items_pb2
from tests.conftest import new_user_fields, sign_in

LONESTAR = "079348512"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("first_name", "Ro\x00sa", "NUL"),
        ("first_name", "Rosa\tDelgado", "one line"),
        ("comment", "line one\nline two\tindented", None),
        ("comment", "bell\x07", "control character (U+0007)"),
        ("comment", "\x85next line", "control character (U+0085)"),
        ("last_name", "\ud800", "surrogate"),
        ("last_name", "x" * (boundary.SINGLE_LINE_MAX + 1), "at most 500"),
        ("comment", "x" * 4_000, None),
        ("fields.comment", "x" * 4_001, "at most 4,000"),
        ("reasons[3]", "segment REF\nelement 2", None),
    ],
)
def test_text_rules_by_field(name, value, words):
    problem = boundary.field_problem(name, value)
    assert (problem is None) if words is None else (words in problem), problem


def test_numbers_and_paths_of_json():
    problems = boundary.problems_in({"item_id": 2**63, "page": [1, -(2**63) - 1], "ok": 2**63 - 1, "f": 1e300})
    assert set(problems) == {"item_id", "page[1]"}
    assert boundary.problems_in({"a\x00": "x"}) == {"'a\\x00'": "the name holds a NUL byte at character 2; remove it"}
    assert list(boundary.problems_in({"fields": {"\ud800": "x"}})) == ["fields.'\ufffd'"]
    assert not boundary.is_number("²") and not boundary.is_number("١٢٣") and boundary.is_number("0123")


def test_a_grpc_request_is_walked_into_maps_lists_and_messages():
    request = identity_pb2.CreateCompanyRequest(
        name="Ok", first_admin=identity_pb2.NewUser(first_name="A\x00"),
        distribution_lists=[identity_pb2.DistributionList(name="L", email="x\n@y")],
    )
    assert set(grpc_runtime.request_problems(request)) == {"first_admin.first_name", "distribution_lists[0].email"}
    acted = items_pb2.ActOnItemRequest(item_id=1, action="ok", fields={"comment": "a\nb", "bank_name": "a\nb"})
    assert set(grpc_runtime.request_problems(acted)) == {"fields.bank_name"}


async def test_a_nul_in_a_users_name_is_refused_naming_the_field_and_starts_nothing(http):
    admin = await sign_in(http, "admin@lonestar.example")
    fields = new_user_fields(first_name="Ro\x00sa")
    reply = await http.post("/api/v1/user-requests", headers=admin, json={"kind": "add", "fields": fields})
    assert reply.status_code == 400, reply.text
    assert "fields.first_name" in reply.json()["error"]["fields"]
    listed = await http.get("/api/v1/user-requests", headers=admin)
    assert all(fields["email"] not in str(item) for item in listed.json()["items"])


async def test_a_lone_surrogate_and_a_tab_in_one_line_fields_are_named(http):
    admin = await sign_in(http, "admin@lonestar.example")
    body = b'{"kind": "add", "fields": {"first_name": "\\ud800", "last_name": "Del\\tgado", "email": "a@x.example"}}'
    reply = await http.post(
        "/api/v1/user-requests", headers={**admin, "content-type": "application/json"}, content=body
    )
    assert reply.status_code == 400, reply.text
    assert {"fields.first_name", "fields.last_name"} <= set(reply.json()["error"]["fields"])


@pytest.mark.parametrize("item_id", [str(2**63), str(2**64), "0", "²", "١٢٣", "9" * 400])
async def test_an_item_id_that_cannot_exist_is_not_found(http, item_id):
    ercot = await sign_in(http, "admin@ercot.example")
    for reply in (
        await http.get(f"/api/v1/items/{item_id}", headers=ercot),
        await http.post(f"/api/v1/items/{item_id}/actions", headers=ercot, json={"action": "ok"}),
        await http.get(f"/api/v1/items/{item_id}/test-bed", headers=ercot),
    ):
        assert reply.status_code == 404, reply.text
        assert reply.json()["error"]["code"] == "not_found"


async def test_numbers_out_of_range_in_queries_and_bodies_are_refused(http):
    ercot = await sign_in(http, "admin@ercot.example")
    paged = await http.get("/api/v1/reports/active-script-issues", headers=ercot, params={"page_size": 2**40})
    assert paged.status_code == 400 and "page_size" in str(paged.json()["error"]["fields"])
    search = await http.get("/api/v1/reports/active-script-issues", headers=ercot, params={"item_id": "²"})
    assert search.status_code == 400
    attach = await http.post(
        "/api/v1/transactions/079348512:REF1/attach", headers=ercot, json={"item_id": 2**64, "comment": "x"}
    )
    assert attach.status_code == 400 and "item_id" in str(attach.json()["error"]["fields"])


async def test_long_values_never_reach_grpc_metadata(http):
    ercot = await sign_in(http, "admin@ercot.example")
    long_duns = "1" * 20_000
    for reply in (
        await http.get(f"/api/v1/companies/{long_duns}", headers=ercot),
        await http.get("/api/v1/reports/active-script-issues", headers=ercot, params={"flight": "x" * 20_000}),
        await http.get("/api/v1/me", headers={"authorization": "Bearer " + "e" * 20_000}),
    ):
        assert reply.status_code in (400, 401, 404), reply.text
        assert len(reply.text) < 5_000


async def test_multipart_without_a_boundary_and_bad_form_text_are_refused(http):
    ercot = await sign_in(http, "admin@ercot.example")
    upload = await http.post(
        "/api/v1/items/1003/attachments", headers={**ercot, "content-type": "multipart/form-data"}, content=b"x"
    )
    assert upload.status_code == 400 and "boundary" in upload.text
    signin = await http.post(
        "/signin", content=b"email=a%00b&password=x", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert signin.status_code == 400 and "email" in signin.text
    not_utf8 = await http.get("/api/v1/reports/active-script-issues?flight=%ff%fe", headers=ercot)
    assert not_utf8.status_code == 400 and "query" in not_utf8.json()["error"]["fields"]
    path_not_utf8 = await http.get("/api/v1/companies/%ff%fe", headers=ercot)
    assert path_not_utf8.status_code == 400 and "path" in path_not_utf8.json()["error"]["fields"]


async def test_each_service_checks_what_its_own_callers_send(http, settings):
    """Past the gateway, straight to the identity service: the same words, the same field names."""
    admin = await sign_in(http, "admin@lonestar.example")
    token = admin["authorization"].removeprefix("Bearer ")
    async with grpc_runtime.channel(settings.identity_address) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        request = identity_pb2.StartUserRequestRequest(kind="add", fields=new_user_fields(phone="512\x00555"))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.StartUserRequest(request, metadata=grpc_runtime.bearer(token))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "fields.phone" in refused.value.details()
