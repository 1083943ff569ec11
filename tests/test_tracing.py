"""One request, one trace: gateway -> gRPC -> Temporal update -> activity -> SQL."""

import asyncio

from opentelemetry.trace import SpanKind

from tests.conftest import new_user_fields, sign_in


def tree(spans, trace_id):
    """(name, kind, parent name) of every span of one trace."""
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace}
    return [
        (s.name, s.kind, by_id[s.parent.span_id].name if s.parent and s.parent.span_id in by_id else None)
        for s in in_trace
    ]


async def test_adding_a_user_is_one_trace_from_gateway_to_sql(http, spans):
    headers = await sign_in(http, "admin@lonestar.example")
    spans.clear()
    reply = await http.post("/api/v1/user-requests", headers=headers, json={"kind": "add", "fields": new_user_fields()})
    assert reply.status_code == 201
    # The action answers once its step is written by the service; the record activity runs after, in the same trace.
    for _ in range(200):
        finished = spans.get_finished_spans()
        if any(s.name == "RunActivity:identity.record_item_transition" for s in finished):
            break
        await asyncio.sleep(0.05)
    root = next(s for s in finished if s.kind == SpanKind.SERVER and s.name == "POST /api/v1/user-requests")
    assert root.parent is None
    edges = {(name, parent) for name, _, parent in tree(finished, root.context.trace_id)}
    rpc = "/flightrak.identity.v1.IdentityService/StartUserRequest"
    chain = [
        (rpc, "POST /api/v1/user-requests"),
        (rpc, rpc),  # the identity server's span under the gateway's client span
        ("StartUpdateWithStartWorkflow:UserAdminRequest", rpc),
        ("HandleUpdate:ok", "StartUpdateWithStartWorkflow:UserAdminRequest"),
        ("StartActivity:identity.record_item_transition", "HandleUpdate:ok"),
        ("RunActivity:identity.record_item_transition", "StartActivity:identity.record_item_transition"),
    ]
    for edge in chain:
        assert edge in edges, f"missing {edge[0]} under {edge[1]}"
    writes = ("INSERT", "WITH")  # a step's projection and history row are one WITH ... INSERT statement
    # The activity reads whether the step is written (and writes it when the service could not).
    sql = ("SELECT", *writes)
    sql_in_activity = [n for n, parent in edges if n.startswith(sql) and parent.startswith("RunActivity:")]
    assert sql_in_activity, "the activity's SQL is part of the same trace"
