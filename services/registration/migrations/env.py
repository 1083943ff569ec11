from alembic import context

from flightrak.migrate import run_env

# The registration service's tables arrive with its flows; its schema and history exist from the start.
run_env(context, None, "registration")
