"""What the services share: statements several of them run, sorting a query, fetching a page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Row, Select, SQLColumnExpression, bindparam, select
from sqlalchemy.orm import Session

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


def fetch_page(
    orm_session: Session,
    page_rows: AnySelect,
    count: AnySelect,
    paging: PageRequest,
    make: Callable[[AnyRow], Item],
) -> Page[Item]:
    """Count the list, then run ``page_rows`` (the page's query) unless it is past the end."""
    total = orm_session.scalar(count) or 0
    items: tuple[Item, ...] = ()
    if paging.offset < total:
        items = tuple(make(row) for row in orm_session.execute(page_rows))
    return Page(items, total, paging.page, paging.per_page)
