"""The SQL form of flightrak.authz's readers: the where-clause limiting a query to what the caller may read."""

from sqlalchemy import ColumnElement, Select, false, literal, or_, true

from flightrak.tokens import Principal


def readable_where(actor: Principal, readers: tuple) -> ColumnElement[bool]:
    """authz.may_read over a table: ERCOT's staff read every row; anyone else the rows naming its company among
    the readers (a column equal to its DUNS, or a subquery of DUNS holding it)."""
    if actor.is_ercot:
        return true()
    if not actor.duns:
        return false()
    mine = literal(actor.duns)
    return or_(*(mine.in_(reader) if isinstance(reader, Select) else reader == mine for reader in readers))
