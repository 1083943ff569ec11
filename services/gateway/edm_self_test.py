"""The EDM self-test's one download: FlighTrak's OpenPGP public key, which signs the test files it sends as a trading
partner, so that a participant's EDM server can verify them. The test itself is an item action (Run EDM Self-Test,
POST /api/v1/items/{item_id}/actions)."""

from fastapi import APIRouter
from fastapi.responses import Response

from flightrak import edm
from services.gateway import schemas
from services.gateway.auth import ApiCaller

KEY_MEDIA_TYPE = "application/pgp-keys"


def register(app, router: APIRouter) -> None:
    @router.get(
        "/edm-self-test/signing-key",
        summary="FlighTrak's OpenPGP public key, which signs the EDM self-test's files",
        responses={200: schemas.file(KEY_MEDIA_TYPE)},
    )
    async def signing_key(caller: ApiCaller) -> Response:
        settings = app.state.settings
        key = edm.partner_public_key(settings.data_dir, settings.edm_signing_key)
        return Response(
            key,
            media_type=KEY_MEDIA_TYPE,
            headers={"content-disposition": 'attachment; filename="flightrak-edm-signing-key.asc"'},
        )
