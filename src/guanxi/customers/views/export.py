"""The customer list's CSV link of old: now the shared export of the customer list (exports app)."""

from __future__ import annotations

from guanxi.dataquality.exports.views import export_response

from .common import guarded


@guarded("customers.export")
def customer_export_csv(request):
    return export_response(request, "customers", "csv")
