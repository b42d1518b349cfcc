"""Read queries compiled to SQL once, for the lookups behind every API request.

Django compiles a queryset to SQL each time it is evaluated. For the one-row lookups that
every API request makes (its token, the stored score behind the score cache) that costs
0.3-0.8 ms of CPU a query, ten to twenty times what SQLite takes to run it. A
PreparedQuery builds its values_list queryset once per thread and database connection,
with markers in place of its parameters, keeps the SQL and the columns' converters, and
afterwards only puts in the values, executes and converts: the same SQL and the same
Python values as the queryset would give, through the same connection and cursor wrapper
(so transactions, query logging and test query counts see it).

Parameters are strings or integers that reach the database unchanged (CharField or
integer/key equality); anything the ORM would convert (dates, decimals) belongs in the
queryset as a constant or in a check in Python after the lookup. A marker the compiled
SQL does not hold, exactly once, stops the first call with an error rather than running
a wrong query.

On PostgreSQL the statement is also prepared on the server, once per connection: PostgreSQL
plans each statement it is sent, and for the token lookup of GET /me/score (five tables,
three subqueries) planning took 0.31 ms of the 0.36 ms it cost there. Django binds
parameters on the client and prepares nothing (for connection poolers); these lookups use
a server-binding cursor that prepares, wrapped like Django's own, when the connection
allows preparing (settings give psycopg a prepare_threshold that Django's client-binding
cursors never use). Behind a pooler that cannot keep prepared statements (PgBouncer in
transaction mode before 1.21), DATABASE_PREPARED_STATEMENTS=false turns this off.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable


@dataclass(frozen=True)
class _Compiled:
    connection: Any
    sql: str
    slots: tuple[tuple[bool, Any], ...]  # (is a parameter, its name or the constant)
    compiler: Any
    converters: dict[int, Any]


def _marker(kind: type) -> Any:
    if kind is str:
        return f"\x00xjm-param-{secrets.token_hex(16)}\x00"
    if kind is int:
        return secrets.randbits(61) + 2**61
    raise TypeError(f"PreparedQuery parameters are str or int, not {kind.__name__}")


def _same(value: Any, marker: Any) -> bool:
    return type(value) is type(marker) and value == marker


class PreparedQuery:
    """`build(**markers)` returns a `.values_list(...)` queryset; `rows(**values)` runs it
    with `values` in place of the markers and returns its rows as tuples.

        PreparedQuery(lambda token_hash: Token.objects.filter(token_hash=token_hash)
                      .values_list("pk", "user_id"), token_hash=str)
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], *,
                 using: str = DEFAULT_DB_ALIAS, **params: type) -> None:
        self._build = build
        self._params = params
        self._using = using
        self._local = threading.local()

    def _compile(self, connection: Any) -> _Compiled:
        markers = {name: _marker(kind) for name, kind in self._params.items()}
        queryset = self._build(**markers)
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("PreparedQuery needs a .values_list(...) queryset (not flat)")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, sql_params = compiler.as_sql()
        slots = []
        for value in sql_params:
            name = next((n for n, m in markers.items() if _same(value, m)), None)
            slots.append((True, name) if name is not None else (False, value))
        found = sorted(value for is_param, value in slots if is_param)
        if found != sorted(self._params):
            raise ValueError(f"PreparedQuery: parameters {sorted(self._params)} should each "
                             f"reach the SQL unchanged, once; found {found}")
        if "xjm-param-" in sql or any(
                isinstance(v, str) and "xjm-param-" in v for is_param, v in slots
                if not is_param):
            raise ValueError("PreparedQuery: a parameter was changed on its way to the SQL")
        fields = [s[0] for s in compiler.select[:compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise TypeError("PreparedQuery does not handle composite fields")
        return _Compiled(connection, sql, tuple(slots), compiler,
                         compiler.get_converters(fields))

    def rows(self, **values: str | int) -> list[tuple[Any, ...]]:
        connection = connections[self._using]
        compiled: _Compiled | None = getattr(self._local, "compiled", None)
        if compiled is None or compiled.connection is not connection:
            compiled = self._local.compiled = self._compile(connection)
        for name, kind in self._params.items():
            if type(values[name]) is not kind:
                raise TypeError(f"PreparedQuery: {name} must be {kind.__name__}")
        params = [values[v] if is_param else v for is_param, v in compiled.slots]
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters and rows:
            return [tuple(row) for row in
                    compiled.compiler.apply_converters(rows, compiled.converters)]
        return [tuple(row) for row in rows]


_preparing_cursor: Any = None


def _cursor(connection: Any) -> Any:
    """A cursor of `connection` wrapped as Django wraps its own (errors, thread check);
    on PostgreSQL, unless queries are being logged, one that binds parameters on the
    server and prepares each statement on first use (psycopg keeps them per
    connection)."""
    global _preparing_cursor
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None or connection.queries_logged:
        # preparing turned off; or queries are being logged (DEBUG, tests counting
        # queries): a prepared statement run again leaves no SQL text to log
        return connection.cursor()
    if _preparing_cursor is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                return super().execute(query, params, prepare=True)

        _preparing_cursor = PreparingCursor
    # the rest of what connection.cursor() does (BaseDatabaseWrapper._cursor), with this
    # cursor class
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor(connection.connection))
