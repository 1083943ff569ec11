"""The scripts gRPC servicer: script packs ERCOT publishes per flight (script issues arrive next)."""

import asyncio
import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from flightrak import authz, errors
from flightrak.grpc_runtime import caller
from flightrak.scripts.v1 import scripts_pb2 as pb
from flightrak.scripts.v1 import scripts_pb2_grpc
from services.scripts import models, packs, store


def version_proto(published: models.Pack) -> pb.PackVersion:
    return pb.PackVersion(
        flight=published.flight,
        version=published.version,
        title=published.title,
        example=published.example,
        scripts=published.script_count,
        digest=published.digest,
        published_by=published.published_by,
        published_at=published.published_at.isoformat(),
    )


class ScriptsServicer(scripts_pb2_grpc.ScriptsServiceServicer):
    def __init__(self, sessions: async_sessionmaker):
        self._sessions = sessions

    async def Describe(self, request, context) -> pb.DescribeResponse:
        principal = caller()
        return pb.DescribeResponse(service="scripts", caller_user_id=principal.user_id, caller_duns=principal.duns)

    async def PublishPack(self, request: pb.PublishPackRequest, context) -> pb.PublishPackResponse:
        principal = caller()
        if not authz.may_run_flights(principal):
            raise errors.PermissionDenied("only an ERCOT admin publishes a flight's script pack")
        try:  # parsing is pure Python and may take a while for a large pack: off the event loop
            parsed = await asyncio.to_thread(packs.parse_pack, request.content, request.media_type)
        except packs.PackError as error:
            return pb.PublishPackResponse(ok=False, problems=error.problems)
        content = packs.pack_as_json(parsed)
        digest = hashlib.sha256(content.encode()).hexdigest()
        async with self._sessions.begin() as session:
            latest = await store.latest_pack(session, request.flight)
            if latest is not None and latest.digest == digest:
                return pb.PublishPackResponse(ok=True, version=version_proto(latest), unchanged=True)
            try:
                published = await store.add_pack_version(
                    session,
                    flight=request.flight,
                    title=parsed.title,
                    example=parsed.example,
                    script_count=len(parsed.scripts),
                    content=content,
                    digest=digest,
                    published_by=principal.name,
                )
            except IntegrityError:
                raise errors.Conflict(
                    "another version of this pack was published at the same moment; try again"
                ) from None
        return pb.PublishPackResponse(ok=True, version=version_proto(published))

    async def GetPack(self, request: pb.GetPackRequest, context) -> pb.Pack:
        caller()
        async with self._sessions() as session:
            found = await store.pack(session, request.flight, request.version)
        return pb.Pack(version=version_proto(found), content=found.content)


async def register(server, settings, sessions) -> str:
    scripts_pb2_grpc.add_ScriptsServiceServicer_to_server(ScriptsServicer(sessions), server)
    return pb.DESCRIPTOR.services_by_name["ScriptsService"].full_name
