"""The two list envelopes the portal reads: its older one, and the ``/api`` one."""

from __future__ import annotations

from typing import Any

from studycore import Page


def portal_page(page: Page[Any], key: str) -> dict[str, Any]:
    """The envelope of the portal's older lists: ``{key: […], total_pages, current_page}``."""
    return {
        key: page.items_json(lambda item: item.to_json()),
        "total_pages": page.total_pages,
        "current_page": page.page,
    }


def api_page(page: Page[Any]) -> dict[str, Any]:
    """The envelope of the ``/api`` lists: ``{items: […], total, page, per_page, total_pages}``."""
    return {"items": page.items_json(lambda item: item.to_json()), **page.paging_json()}
