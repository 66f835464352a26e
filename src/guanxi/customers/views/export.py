"""Download the filtered customer list as CSV."""

from __future__ import annotations

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from guanxi.core.errors import DomainError

from ..exports import customer_export
from ..filters import CustomerFilters
from .common import error_page, guarded
from .listing import filter_query


class _Echo:
    """csv.writer needs a file; this one hands each line straight to the response."""

    def write(self, value: str) -> str:
        return value


@guarded("customers.export")
def customer_export_csv(request):
    try:
        filters = CustomerFilters.from_query(request.GET)
    except DomainError as exc:
        return error_page(request, 400, exc.message)
    rows = customer_export(actor=request.user, filters=filters, query=filter_query(request.GET))
    writer = csv.writer(_Echo())
    # A byte-order mark so Excel opens the Chinese text as UTF-8.
    lines = (("\ufeff" if i == 0 else "") + writer.writerow(row) for i, row in enumerate(rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
    return response
