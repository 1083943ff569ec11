"""Every activity classifies its failures: what retrying cannot fix (bad data the database refuses, a broken rule,
a programming error) fails non-retryably at once, so its flow is marked for ERCOT instead of retrying forever; the
rest (a connection refused, a timeout, an SMTP outage) is retried within the bound its workflow sets. The message
says what went wrong in plain words: never the SQL or its bound values, which hold what people typed."""

import functools
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import exc as sql
from temporalio import activity
from temporalio.exceptions import ApplicationError

# Retrying cannot fix these: the same input fails the same way.
PERMANENT = (
    sql.DataError,
    sql.IntegrityError,
    sql.ProgrammingError,
    psycopg.DataError,
    psycopg.IntegrityError,
    psycopg.ProgrammingError,
    ValueError,
    TypeError,
    LookupError,
)

_log = logging.getLogger(__name__)


def plain_words(error: BaseException) -> str:
    """The error without its statement or parameters: SQLAlchemy's text carries both, the driver's first line
    carries neither."""
    original = getattr(error, "orig", None) if isinstance(error, sql.StatementError) else None
    if original is not None:
        error = original
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"[:300] if first_line else type(error).__name__


def classified_activity(name: str) -> Callable[[Callable], Callable]:
    """Every FlighTrak activity: `@classified_activity(NAME)` defines it under the name its workflows call, its
    failures classified."""
    return lambda run: activity.defn(name=name)(classified(run))


def classified(run):
    """Wraps an activity (under its `@activity.defn`)."""

    @functools.wraps(run)
    async def classifying(*args, **kwargs):
        try:
            return await run(*args, **kwargs)
        except ApplicationError:
            raise  # the activity classified it itself
        except PERMANENT as error:
            _log.warning("%s failed for good: %s", activity.info().activity_type, plain_words(error))
            raise ApplicationError(plain_words(error), type=type(error).__name__, non_retryable=True) from None
        except Exception as error:
            raise ApplicationError(plain_words(error), type=type(error).__name__) from None

    return classifying
