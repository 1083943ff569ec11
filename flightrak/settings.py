"""One Settings object per process, read from FLIGHTRAK_* environment variables."""

import ipaddress
import re
from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

SERVICE_PORTS = {"identity": 50051, "registration": 50052, "testbed": 50053, "scripts": 50054}
# Replica k (1..N) of a service whose address is one host:P listens on P + REPLICA_PORT_STEP * (k - 1).
REPLICA_PORT_STEP = 100
MAX_REPLICAS = 8
# Each is a setting rate_limit_<budget> (FLIGHTRAK_RATE_LIMIT_<BUDGET>): what one address, account or token may spend.
RATE_LIMIT_BUDGETS = (
    "sign_in_per_address",
    "sign_in_per_account",
    "system_sign_in_per_address",
    "system_sign_in_per_system",
    "set_password_per_address",
    "set_password_per_link",
    "writes_per_token",
    "system_writes_per_token",
    "calendar_feed_per_address",
    "calendar_feed_per_token",
)
MIN_TOKEN_SECRET_BYTES = 32
# Words that mark a secret copied from a template or a guide, compared with letters and digits only.
PLACEHOLDER_WORDS = ("changeme", "placeholder", "replaceme", "yoursecret", "example", "development", "default")
WELL_KNOWN_SECRETS = frozenset({"secret", "password", "token", "tokensecret", "flightrak", "test", "dev"})
TOKEN_SECRET_MISSING = (
    "FLIGHTRAK_TOKEN_SECRET is not set: set it to a random secret of at least 32 bytes, the same for every "
    "FlighTrak process (for example: openssl rand -base64 48), or start everything with `flightrak run`, "
    "which makes one per data directory"
)


def token_secret_problem(secret: str | None) -> str | None:
    """Why a token secret would let someone else sign tokens, or None when it is fit for production."""
    if not secret or not secret.strip():
        return "is not set"
    letters = re.sub(r"[^a-z0-9]", "", secret.lower())
    if letters in WELL_KNOWN_SECRETS or any(word in letters for word in PLACEHOLDER_WORDS):
        return "is a placeholder or well-known value, which anyone could use to sign tokens"
    if len(secret.encode()) < MIN_TOKEN_SECRET_BYTES:
        return f"is shorter than {MIN_TOKEN_SECRET_BYTES} bytes, short enough to guess"
    if len(set(secret)) < 8:  # "x" * 40 is long, and no more secret than "x"
        return "repeats too few characters to be random"
    return None


class Settings(BaseSettings):
    # A refused value (a token secret, a database URL with its password) is never repeated in the error.
    model_config = SettingsConfigDict(env_prefix="FLIGHTRAK_", extra="ignore", hide_input_in_errors=True)

    environment: str = "development"
    data_dir: Path = REPO_ROOT / ".flightrak"
    database_url: str | None = None
    # Connections each process keeps to PostgreSQL (every service and the worker): four services and the worker at
    # 15 each are 75 of PostgreSQL's default 100. `run` with N replicas gives each process 15 // N of them.
    database_pool_size: int = 15
    # Workflows each worker keeps in memory per task queue (the SDK's default, 1,000, held 90 MB in the bench's worker
    # with 4,800 script issues open): past it, a flight's script issues were evicted and replayed from their whole
    # history at each step, which doubled the worker's CPU a step at 1,000 waiting issues. 5,000 holds the largest
    # flight the guide implies (4,800 issues) in one worker; more workers share a larger market's.
    worker_cached_workflows: int = Field(default=5000, ge=0, le=100_000)
    embedded_postgres_port: int = 5544
    # `flightrak run` starts this many of each gRPC service, of the worker and of the gateway.
    replicas: int = Field(default=1, ge=1, le=MAX_REPLICAS)
    temporal_address: str | None = None
    # The port of the Temporal dev server `run` starts when temporal_address is unset.
    temporal_port: int = 7233
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    listen_host: str = "127.0.0.1"
    identity_address: str = f"127.0.0.1:{SERVICE_PORTS['identity']}"
    registration_address: str = f"127.0.0.1:{SERVICE_PORTS['registration']}"
    testbed_address: str = f"127.0.0.1:{SERVICE_PORTS['testbed']}"
    scripts_address: str = f"127.0.0.1:{SERVICE_PORTS['scripts']}"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # No default: `flightrak run` makes one per data directory and passes it to its processes.
    token_secret: str | None = None
    token_ttl_seconds: int = 900
    sign_in_max_failures: int = 5
    sign_in_lockout_seconds: int = 900
    invitation_ttl_seconds: int = 72 * 3600
    demo_password: str = "Flightrak-demo-2026"
    # `flightrak run` reports the demo's transactions in the background, gently (off: never).
    demo_simulator: bool = True
    # `flightrak run` builds the demo market's flight and notice in the background (off: accounts only).
    demo_market: bool = True
    # Set by `flightrak run` for its children: where it keeps what it started and restarted (run_status).
    run_status_file: Path | None = None
    # Flight analytics: while a flight moves, each reader's figures are computed again at most this often (seconds);
    # the bench sets 0 to time them computed afresh after every step.
    analytics_moving_seconds: float = Field(default=15, ge=0, le=3600)
    # A script task waiting on one party this many business hours raises a reminder (0: never).
    script_reminder_business_hours: float = Field(default=16, ge=0, le=2000)
    # Market notices: the SMTP server that takes their mail (unset: the run command's local sink), the sender,
    # the address mails link to, and how many hours before its first day affected an unacknowledged notice
    # is reminded (0: never).
    smtp_url: str | None = None
    smtp_sink_port: int = 8025
    # The demo market's local NAESB EDM server (flightrak edm-endpoint), which run starts for its EDM self-test.
    edm_endpoint_port: int = 8443
    # Whether the EDM self-test may send to a loopback, private or link-local address: unset, only in development (the
    # demo's EDM server is on 127.0.0.1); elsewhere a participant's URL could otherwise probe FlighTrak's own network.
    edm_self_test_private_addresses: bool | None = None
    # FlighTrak's OpenPGP key (armored, secret) that signs the EDM self-test's files, for processes that share no data
    # directory (the worker sends, the gateway shows its public half); unset: made once in the data directory.
    edm_signing_key: str | None = Field(default=None, repr=False)
    notice_mail_from: str = "ERCOT Market Notices <notices@ercot.example>"
    # The sender of the tool's other mail to distribution lists (reminders of waiting script tasks).
    mail_from: str = "ERCOT FlighTrak <flightrak@ercot.example>"
    public_url: str | None = None
    notice_reminder_hours: float = Field(default=48, ge=0, le=24 * 90)
    # Rate limits in the `limits` notation ("10/minute;60/hour": each must hold), counted in this storage
    # (memory: per gateway process; a shared redis://... makes every replica of the gateway spend one budget).
    rate_limit_storage: str = "memory://"
    rate_limit_sign_in_per_address: str = "30/minute;300/hour"
    rate_limit_sign_in_per_account: str = "10/minute;60/hour"
    rate_limit_system_sign_in_per_address: str = "30/minute;300/hour"
    rate_limit_system_sign_in_per_system: str = "10/minute;60/hour"
    rate_limit_set_password_per_address: str = "10/minute;60/hour"
    rate_limit_set_password_per_link: str = "5/minute;20/hour"
    rate_limit_writes_per_token: str = "120/minute"
    # A transaction-processing system reports every transaction of a flight, in bursts.
    rate_limit_system_writes_per_token: str = "3000/minute"
    # Calendar apps fetch a feed every few minutes at most; an address trying many tokens is guessing.
    rate_limit_calendar_feed_per_address: str = "60/minute;600/hour"
    rate_limit_calendar_feed_per_token: str = "10/minute;120/hour"

    @field_validator(*(f"rate_limit_{budget}" for budget in RATE_LIMIT_BUDGETS))
    @classmethod
    def read_rate_limit(cls, value: str) -> str:
        parse_many(value)  # refuses anything but "N/second|minute|hour|day", joined by ";"
        return value

    @field_validator(*(f"{service}_address" for service in SERVICE_PORTS))
    @classmethod
    def read_service_address(cls, value: str) -> str:
        value = value.strip()
        if _is_grpc_target(value):
            return value  # gRPC resolves it (dns:///name:port finds every replica behind one name)
        addresses = [address.strip() for address in value.split(",")]
        for address in addresses:
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{address!r} is not host:port (several: host:port,host:port; or dns:///name:port)")
        return ",".join(addresses)

    @model_validator(mode="after")
    def replicas_need_ip_addresses(self) -> "Settings":
        """Several addresses make one channel target, ipv4:h1:p1,h2:p2, which takes IP addresses only."""
        for service in SERVICE_PORTS:
            addresses = self.service_addresses(service)
            if len(addresses) > 1 and not all(_ip_literal(address) for address in addresses):
                raise ValueError(
                    f"FLIGHTRAK_{service.upper()}_ADDRESS: several replicas need IP addresses (127.0.0.1:"
                    f"{SERVICE_PORTS[service]}), not names; one name for every replica is a target: dns:///name:port"
                )
        return self

    @field_validator("environment")
    @classmethod
    def read_environment(cls, value: str) -> str:
        return value.strip().lower()

    @model_validator(mode="after")
    def refuse_weak_secret_in_production(self) -> "Settings":
        if self.production and (problem := token_secret_problem(self.token_secret)):
            raise ValueError(
                f"FLIGHTRAK_TOKEN_SECRET {problem}; production needs a random secret of at least "
                f"{MIN_TOKEN_SECRET_BYTES} bytes (for example: openssl rand -base64 48)"
            )
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def edm_self_test_reaches_private_addresses(self) -> bool:
        if self.edm_self_test_private_addresses is None:
            return self.development
        return self.edm_self_test_private_addresses

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"postgresql+psycopg://postgres@127.0.0.1:{self.embedded_postgres_port}/flightrak"

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def effective_smtp_url(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.smtp_sink_port}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.gateway_host}:{self.gateway_port}").rstrip("/")

    def service_address(self, service: str) -> str:
        """The service as a client's channel reaches it: every replica's address, joined (grpc_runtime.channel)."""
        return ",".join(self.service_addresses(service))

    def service_addresses(self, service: str) -> list[str]:
        """The replicas' listen addresses: those listed, or with one host:P, P + 100 * (k - 1) for replica k of
        `replicas`; a target with a scheme (dns:///...) is one, resolved by gRPC."""
        configured: str = getattr(self, f"{service}_address")
        if _is_grpc_target(configured):
            return [configured]
        if "," in configured:
            return configured.split(",")
        host, port = configured.rsplit(":", 1)
        return [f"{host}:{int(port) + REPLICA_PORT_STEP * k}" for k in range(self.replicas)]


GRPC_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:", "xds:")


def _is_grpc_target(address: str) -> bool:
    return address.startswith(GRPC_SCHEMES)


def _ip_literal(address: str) -> bool:
    host = address.rsplit(":", 1)[0].removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache
def get_settings() -> Settings:
    return Settings()
