"""Alembic, one history per service in its own schema; `flightrak migrate` upgrades them all."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from flightrak.settings import REPO_ROOT

SERVICES_WITH_SCHEMAS = ("identity", "registration", "testbed", "scripts")


def sync_url(url: str) -> str:
    return url.replace("postgresql+psycopg_async://", "postgresql+psycopg://")


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    config.set_main_option("service_schema", service)
    return config


def upgrade_all(database_url: str) -> None:
    for service in SERVICES_WITH_SCHEMAS:
        command.upgrade(alembic_config(service, database_url), "head")


def run_env(context, target_metadata, schema: str) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def ensure_database(database_url: str) -> None:
    """Creates the database named in the URL if the server lacks it (embedded and test servers)."""
    from sqlalchemy.engine import make_url

    target = make_url(sync_url(database_url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def script_location(service: str) -> Path:
    return REPO_ROOT / "services" / service / "migrations"
