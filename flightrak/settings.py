"""One Settings object per process, read from FLIGHTRAK_* environment variables."""

import re
from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

SERVICE_PORTS = {"identity": 50051, "registration": 50052, "testbed": 50053, "scripts": 50054}
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
    # Connections each process keeps to PostgreSQL (every service and the worker): five services and the worker at
    # 15 each are 90 of PostgreSQL's default 100.
    database_pool_size: int = 15
    embedded_postgres_port: int = 5544
    temporal_address: str | None = None
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
    # A script task waiting on one party this many business hours raises a reminder (0: never).
    script_reminder_business_hours: float = Field(default=16, ge=0, le=2000)
    # Market notices: the SMTP server that takes their mail (unset: the run command's local sink), the sender,
    # the address mails link to, and how many hours before its first day affected an unacknowledged notice
    # is reminded (0: never).
    smtp_url: str | None = None
    smtp_sink_port: int = 8025
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

    @field_validator(*(f"rate_limit_{budget}" for budget in RATE_LIMIT_BUDGETS))
    @classmethod
    def read_rate_limit(cls, value: str) -> str:
        parse_many(value)  # refuses anything but "N/second|minute|hour|day", joined by ";"
        return value

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
    def effective_database_url(self) -> str:
        return self.database_url or (
            f"postgresql+psycopg://postgres@127.0.0.1:{self.embedded_postgres_port}/flightrak"
        )

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or "127.0.0.1:7233"

    @property
    def effective_smtp_url(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.smtp_sink_port}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.gateway_host}:{self.gateway_port}").rstrip("/")

    def service_address(self, service: str) -> str:
        return getattr(self, f"{service}_address")


@lru_cache
def get_settings() -> Settings:
    return Settings()
