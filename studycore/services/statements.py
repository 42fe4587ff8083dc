"""What the services share: statements several of them run, sorting a query, fetching a page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar

from sqlalchemy import Integer, Row, Select, SQLColumnExpression, bindparam, select

from ..models import Word, WordReviewItem
from ..results import Page
from .paging import PageRequest

Item = TypeVar("Item")
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
Column: TypeAlias = SQLColumnExpression[Any]

# A session's words with their counts in it, in the session's order (the items' ids).
SESSION_WORDS = (
    select(
        Word.id,
        Word.word,
        WordReviewItem.correct,
        WordReviewItem.wrong,
        Word.reading,
        Word.translation,
    )
    .join(WordReviewItem, WordReviewItem.word_id == Word.id)
    .where(WordReviewItem.study_session_id == bindparam("study_session_id"))
    .order_by(WordReviewItem.id)
)


def ordered(
    statement: AnySelect,
    columns: Mapping[str, Column],
    paging: PageRequest,
    *,
    tie: Column,
) -> AnySelect:
    """``statement`` sorted by the requested column, then by ``tie`` (pages never overlap).

    Empty values of a nullable column come last in both directions and on both engines
    (their defaults differ). Other columns keep the plain order an index can serve.
    """
    column, descending = columns[paging.sort_by], paging.descending
    direction = column.desc() if descending else column.asc()
    if getattr(getattr(column, "expression", None), "nullable", False):
        direction = direction.nulls_last()
    return statement.order_by(direction, tie.desc() if descending else tie.asc())


def ordered_page(
    statement: AnySelect,
    columns: Mapping[str, Column],
    paging: PageRequest,
    *,
    tie: Column,
) -> AnySelect:
    """The rows of ``statement`` on the requested page, in the requested order."""
    sorted_rows = ordered(statement, columns, paging, tie=tie)
    return sorted_rows.limit(paging.per_page).offset(paging.offset)


class PagedList:
    """A list's statement sorted and cut into pages, built once per sort key and direction.

    Building a sorted, paged SELECT costs SQLAlchemy more than the database needs to run
    it for a small page (about 0.3 ms for the groups); here the page's size and start
    are bound parameters (``parameters``), and each order is built at its first use.
    """

    def __init__(self, rows: AnySelect, columns: Mapping[str, Column], *, tie: Column) -> None:
        self._rows, self._columns, self._tie = rows, columns, tie
        self._built: dict[tuple[str, bool], AnySelect] = {}

    def statement(self, paging: PageRequest) -> AnySelect:
        """The rows of ``paging``'s page, in its order (run with ``parameters(paging)``)."""
        key = (paging.sort_by, paging.descending)
        if key not in self._built:
            sorted_rows = ordered(self._rows, self._columns, paging, tie=self._tie)
            self._built[key] = sorted_rows.limit(_PAGE_SIZE).offset(_PAGE_START)
        return self._built[key]

    @staticmethod
    def parameters(paging: PageRequest) -> dict[str, int]:
        return {_PAGE_SIZE.key: paging.per_page, _PAGE_START.key: paging.offset}


_PAGE_SIZE = bindparam("page_size", type_=Integer)
_PAGE_START = bindparam("page_start", type_=Integer)


class Reader(Protocol):
    """What runs a list's statements: a ``Connection``, or ``db.lookups.DriverReader``."""

    def scalar(self, statement: AnySelect, parameters: Mapping[str, object] | None, /) -> Any: ...

    def execute(
        self, statement: AnySelect, parameters: Mapping[str, object] | None, /
    ) -> Iterable[Sequence[Any]]: ...


def fetch_page(
    reader: Reader,
    page_rows: AnySelect,
    count: AnySelect,
    paging: PageRequest,
    make: Callable[[Sequence[Any]], Item],
    *,
    parameters: Mapping[str, object] | None = None,
) -> Page[Item]:
    """Count the list, then run ``page_rows`` (the page's query) unless it is past the end.

    ``parameters``: the bound values both statements take, if any.
    """
    total = reader.scalar(count, parameters) or 0
    items: tuple[Item, ...] = ()
    if paging.offset < total:
        items = tuple(make(row) for row in reader.execute(page_rows, parameters))
    return Page(items, total, paging.page, paging.per_page)
