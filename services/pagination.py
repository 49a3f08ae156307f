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
    return Page(
        items=list(query.paginate(page, limit)), page=page, limit=limit, total=query.count()
    )
