"""Paging and sorting of every list, validated in one place.

A ``Listing`` says what one list accepts: its sort keys (with every spelling the
portal's frontend sends: ``start_time``, ``startTime`` and ``created_at`` all mean the
same column), its default order and page size. ``Listing.parse`` reads query-string
parameters, ``Listing.request`` typed values; both give a ``PageRequest`` or raise a
``ValidationError`` naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import ValidationError
from .validation import MAX_ID

MAX_PER_PAGE = 100
PAGING_PARAMETERS = ("page", "per_page")
SORTING_PARAMETERS = ("sort_by", "order")
_DIGITS = re.compile(r"[0-9]{1,19}")

Order = Literal["asc", "desc"]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A valid page of a list: which one, how big, sorted by what."""

    page: int
    per_page: int
    sort_by: str  # a canonical key of the listing ("" for lists that are not sortable)
    descending: bool

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Listing:
    """What one list accepts. ``sort_keys`` maps each accepted spelling to its key."""

    default_per_page: int
    sort_keys: Mapping[str, str] = field(default_factory=dict)
    default_sort_by: str = ""
    default_order: Order = "asc"

    @property
    def parameters(self) -> tuple[str, ...]:
        return PAGING_PARAMETERS + (SORTING_PARAMETERS if self.sort_keys else ())

    def parse(self, query: Mapping[str, str]) -> PageRequest:
        """The page a query string asks for; unknown parameters are rejected."""
        require_known_parameters(query, self.parameters)
        return self.request(
            page=query_int(query, "page"),
            per_page=query_int(query, "per_page"),
            sort_by=query.get("sort_by"),
            order=query.get("order"),
        )

    def request(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        sort_by: str | None = None,
        order: str | None = None,
    ) -> PageRequest:
        """A validated page; ``None`` takes the listing's default."""
        page = _bounded("page", 1 if page is None else page, 1, MAX_ID)
        size = self.default_per_page if per_page is None else per_page
        return PageRequest(
            page=page,
            per_page=_bounded("per_page", size, 1, MAX_PER_PAGE),
            sort_by=self._sort_key(sort_by),
            descending=_order(self.default_order if order is None else order) == "desc",
        )

    def _sort_key(self, sort_by: str | None) -> str:
        if sort_by is None:
            return self.default_sort_by
        if sort_by not in self.sort_keys:
            accepted = ", ".join(sorted(self.sort_keys)) or "nothing (this list is not sortable)"
            raise ValidationError(
                f"sort_by must be one of {accepted}, not {sort_by!r}", field="sort_by"
            )
        return self.sort_keys[sort_by]


def require_known_parameters(query: Mapping[str, str], known: tuple[str, ...] = ()) -> None:
    """Reject a query parameter that is not ``known``: a typo must not be ignored."""
    for name in query:
        if name not in known:
            raise ValidationError(f"Unknown query parameter: {name!r}", field=name)


def sort_keys(*spellings: str | tuple[str, ...]) -> dict[str, str]:
    """A ``sort_keys`` mapping: each key, or a tuple of the key and its other spellings."""
    keys: dict[str, str] = {}
    for entry in spellings:
        key, *aliases = (entry,) if isinstance(entry, str) else entry
        keys.update(dict.fromkeys((key, *aliases), key))
    return keys


def query_int(query: Mapping[str, str], name: str) -> int | None:
    """The query parameter ``name`` as a non-negative integer; ``None`` when it is absent."""
    text = query.get(name)
    if text is None:
        return None
    if not _DIGITS.fullmatch(text):
        raise ValidationError(f"{name} must be a positive integer, not {text!r}", field=name)
    return int(text)


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer", field=name)
    if not low <= value <= high:
        bounds = f"at least {low}" if high == MAX_ID else f"between {low} and {high}"
        raise ValidationError(f"{name} must be {bounds}", field=name)
    return value


def _order(order: str) -> Order:
    if order not in ("asc", "desc"):
        raise ValidationError(f"order must be 'asc' or 'desc', not {order!r}", field="order")
    return "desc" if order == "desc" else "asc"
