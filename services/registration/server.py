"""The registration gRPC servicer. Its flows arrive with later issues; the caller check already applies."""

from flightrak.grpc_runtime import caller
from flightrak.registration.v1 import registration_pb2 as pb
from flightrak.registration.v1 import registration_pb2_grpc


class RegistrationServicer(registration_pb2_grpc.RegistrationServiceServicer):
    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="registration", caller_user_id=principal.user_id, caller_duns=principal.duns)


async def register(server, settings, sessions) -> str:
    registration_pb2_grpc.add_RegistrationServiceServicer_to_server(RegistrationServicer(), server)
    return pb.DESCRIPTOR.services_by_name["RegistrationService"].full_name
