"""One trace per request: gateway -> gRPC -> Temporal -> activity -> SQL.

Spans are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they are
still started (so trace IDs propagate) but not recorded, since nothing would read them.
"""

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, Sampler, SamplingResult

_provider: TracerProvider | None = None


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


def setup(service_name: str, extra_processor: SpanProcessor | None = None) -> TracerProvider:
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


def instrument_engine(sync_engine) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=sync_engine, enable_commenter=False)


def temporal_plugins() -> list:
    from temporalio.contrib.opentelemetry import OpenTelemetryPlugin

    return [OpenTelemetryPlugin(add_temporal_spans=True)]
