"""What `flightrak run` started and restarted: `<data_dir>/run/processes.json`, which its gateways read for /readyz
and ERCOT's operations page."""

import json
import os
import tempfile
from pathlib import Path

# The restarts the file keeps, oldest first, and those /readyz shows.
KEPT_RESTARTS = 100
READYZ_RESTARTS = 20


def path_in(data_dir: Path) -> Path:
    return data_dir / "run" / "processes.json"


def write(path: Path, status: dict) -> None:
    """Atomically: a reader sees the previous file or this one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".processes-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump(status, file, indent=1)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(path: Path | None) -> dict | None:
    """The run's status, or None when no run wrote one (a process started on its own, or the file not yet made)."""
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
