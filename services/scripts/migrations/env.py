from alembic import context

from flightrak.migrate import run_env
from services.scripts.models import SCHEMA, Base

run_env(context, Base.metadata, SCHEMA)
