"""A list of ids as one bound parameter, expanded into rows by the database itself.

Sending 10,000 ids as 10,000 parameters (``IN (?, ?, …)``, ``executemany``) costs
Python and driver work per id. Instead the list travels as one value — a JSON array
on SQLite, a ``bigint[]`` on PostgreSQL — and ``json_each`` / ``unnest WITH
ORDINALITY`` turn it into (value, position) rows, so a join or an ``INSERT … SELECT``
handles any number of ids in one statement and keeps their order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import BigInteger, ColumnElement, FromClause, String, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY

IDS_PARAMETER = "ids"


@dataclass(frozen=True)
class IdList:
    """Rows of (``value``, ``position``) built from the bound parameter ``ids``."""

    rows: FromClause
    value: ColumnElement[int]
    position: ColumnElement[int]
    encode: Callable[[Sequence[int]], object]  # the ids as this dialect's parameter value


@cache
def id_list(dialect: str) -> IdList:
    """The id-list rows for ``dialect`` (built once per dialect)."""
    if dialect == "postgresql":
        array = bindparam(IDS_PARAMETER, type_=ARRAY(BigInteger))
        rows = func.unnest(array).table_valued("value", with_ordinality="position")
        rows = rows.render_derived()
        return IdList(rows, rows.c.value, rows.c.position, encode=list)
    if dialect == "sqlite":
        document = bindparam(IDS_PARAMETER, type_=String)
        rows = func.json_each(document).table_valued("value", "key")
        return IdList(rows, rows.c.value, rows.c.key, encode=_json_array)
    raise NotImplementedError(f"studycore supports SQLite and PostgreSQL, not {dialect}")


def _json_array(ids: Sequence[int]) -> str:
    return json.dumps(list(ids))
