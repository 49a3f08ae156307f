"""Page through a query the way every list endpoint does."""

from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    limit: int
    total: int

    @property
    def total_pages(self) -> int:
        return ceil(self.total / self.limit) if self.total else 0


def paginate(query, page: int, limit: int) -> Page:
    """Return one page of ``query`` (pages count from 1) with the total it was cut from."""
    return page_of_items(list(query.paginate(page, limit)), page, limit, query.count)


def page_of_items(items: list, page: int, limit: int, count) -> Page:
    """A page of ``items`` already read; ``count()`` tells the total when they cannot."""
    # A page that is neither full nor empty is the last one: it tells the total itself.
    total = (page - 1) * limit + len(items) if 0 < len(items) < limit else count()
    return Page(items=items, page=page, limit=limit, total=total)
