"""The scripts gRPC servicer. Its flows arrive with later issues; the caller check already applies."""

from flightrak.grpc_runtime import caller
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.scripts.v1 import scripts_pb2_grpc


class ScriptsServicer(scripts_pb2_grpc.ScriptsServiceServicer):
    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="scripts", caller_user_id=principal.user_id, caller_duns=principal.duns)


async def register(server, settings, sessions) -> str:
    scripts_pb2_grpc.add_ScriptsServiceServicer_to_server(ScriptsServicer(), server)
    return pb.DESCRIPTOR.services_by_name["ScriptsService"].full_name
