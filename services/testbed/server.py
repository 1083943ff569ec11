"""The testbed gRPC servicer. Its flows arrive with later issues; the caller check already applies."""

from flightrak.grpc_runtime import caller
from flightrak.testbed.v1 import testbed_pb2 as pb
from flightrak.testbed.v1 import testbed_pb2_grpc


class TestbedServicer(testbed_pb2_grpc.TestbedServiceServicer):
    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="testbed", caller_user_id=principal.user_id, caller_duns=principal.duns)


async def register(server, settings, sessions) -> str:
    testbed_pb2_grpc.add_TestbedServiceServicer_to_server(TestbedServicer(), server)
    return pb.DESCRIPTOR.services_by_name["TestbedService"].full_name
