"""One Settings object per process, read from FLIGHTRAK_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_TOKEN_SECRET = "flightrak-development-secret-change-me-0123456789"
REPO_ROOT = Path(__file__).resolve().parent.parent

SERVICE_PORTS = {"identity": 50051, "registration": 50052, "testbed": 50053, "scripts": 50054}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLIGHTRAK_", extra="ignore")

    environment: str = "development"
    data_dir: Path = REPO_ROOT / ".flightrak"
    database_url: str | None = None
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
    token_secret: str = DEVELOPMENT_TOKEN_SECRET
    token_ttl_seconds: int = 900
    sign_in_max_failures: int = 5
    sign_in_lockout_seconds: int = 900
    invitation_ttl_seconds: int = 72 * 3600
    demo_password: str = "Flightrak-demo-2026"
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

    @model_validator(mode="after")
    def refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and self.token_secret == DEVELOPMENT_TOKEN_SECRET:
            raise ValueError("FLIGHTRAK_TOKEN_SECRET must be set in production")
        return self

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
