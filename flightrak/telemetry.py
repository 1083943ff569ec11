"""One trace per request: gateway -> gRPC -> Temporal -> activity -> SQL.

Spans are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (or to a test's processor); otherwise
nothing would read them, and the gateway, the gRPC calls, the Temporal client and SQL are not instrumented at
all: in the transactions benchmark the instrumentation alone cost a sixth of the worker's CPU and much of the
gateway's, and the tracing headers made every signal and activity carry one more payload.
"""

import os
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, Sampler, SamplingResult

if TYPE_CHECKING:  # temporalio's contrib is imported only once tracing is set up
    from temporalio.contrib.opentelemetry import ReplaySafeTracerProvider

_provider: "ReplaySafeTracerProvider | None" = None


class RecordedWhenExported(Sampler):
    """Every span recorded once a processor takes them; before, each is dropped (its trace ID still goes on):
    recording spans nobody exports cost the worker a sixth of its CPU in the transactions benchmark."""

    def __init__(self) -> None:
        self.exported = False

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
        if self.exported:
            return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return "RecordedWhenExported"


_sampler = RecordedWhenExported()


def setup(service_name: str, extra_processor: SpanProcessor | None = None) -> "ReplaySafeTracerProvider":
    """Installs the process's tracer provider once; later calls only add a processor."""
    global _provider
    if _provider is None:
        from temporalio.contrib.opentelemetry import create_tracer_provider

        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
        _provider = create_tracer_provider(sampler=_sampler, resource=resource)
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _sampler.exported = True
        trace.set_tracer_provider(_provider)
    if extra_processor is not None:
        _provider.add_span_processor(extra_processor)
        _sampler.exported = True
    return _provider


def exported() -> bool:
    """Whether this process's spans go anywhere; call after setup."""
    return _sampler.exported


def instrument_engine(sync_engine) -> None:
    if not exported():
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=sync_engine, enable_commenter=False)


def temporal_plugins() -> list:
    if not exported():
        return []
    from temporalio.contrib.opentelemetry import OpenTelemetryPlugin

    return [OpenTelemetryPlugin(add_temporal_spans=True)]


def grpc_server_interceptors() -> list:
    if not exported():
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    return [aio_server_interceptor()]


def grpc_client_interceptors() -> list | None:
    if not exported():
        return None
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return aio_client_interceptors()


def instrument_app(app) -> None:
    if not exported():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,static,calendar/")  # a feed URL is its secret
