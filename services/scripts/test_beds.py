"""What the testbed service learns of a published script pack: the business scripts a flight's test beds are
filled for. Told over gRPC on the publisher's behalf, with the publisher's rights."""

import logging

import grpc

from flightrak import errors, grpc_runtime
from flightrak.copying import same_named
from flightrak.testbed.v1 import testbed_pb2 as testbed
from flightrak.testbed.v1 import testbed_pb2_grpc
from services.scripts import packs

log = logging.getLogger(__name__)


def test_bed_scripts(pack: packs.ScriptPack) -> list[testbed.TestBedScript]:
    """The pack's business scripts that run on premises, in its order, with the pairings that run them."""
    return [
        testbed.TestBedScript(
            **same_named(script, "script_id", "title", "premises", "premise_names", "runs_for", "tdsp_types")
        )
        for script in pack.scripts
        if script.kind == "business" and script.premises
    ]


class TestBeds:
    def __init__(self, channel: grpc.aio.Channel):
        self._testbed = testbed_pb2_grpc.TestbedServiceStub(channel)

    async def tell(self, flight: str, pack_version: int, pack: packs.ScriptPack) -> None:
        """Idempotent: the testbed keeps one list per published version."""
        request = testbed.SetTestBedScriptsRequest(
            flight=flight, pack_version=pack_version, scripts=test_bed_scripts(pack)
        )
        try:
            await self._testbed.SetTestBedScripts(request, metadata=grpc_runtime.caller_metadata(), timeout=10)
        except grpc.aio.AioRpcError as error:
            log.warning("testbed did not take the test-bed scripts: %s %s", error.code().name, error.details())
            raise errors.Unavailable(
                "the testbed service did not take the pack's test-bed scripts; publish it again in a minute"
            ) from None
