"""URL map: pages per app, the REST API under /api/v1/, health check."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from guanxi.api import api
from guanxi.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("", include("guanxi.web.urls")),
    path("", include("guanxi.org.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("activities/", include("guanxi.activities.urls")),
    path("leads/", include("guanxi.sales.leads.urls")),
    path("opportunities/", include("guanxi.sales.opportunities.urls")),
    path("products/", include("guanxi.sales.products.urls")),
    path("quotes/", include("guanxi.sales.quotes.urls")),
    path("contracts/", include("guanxi.sales.contracts.urls")),
    path("targets/", include("guanxi.sales.targets.urls")),
    path("approvals/", include("guanxi.automation.urls")),
    path("notifications/", include("guanxi.automation.notifications.urls")),
    path("webhooks/", include("guanxi.automation.webhooks.urls")),
    path("reminders/", include("guanxi.automation.reminders.urls")),
    path("data-quality/", include("guanxi.dataquality.urls")),
    path("data-quality/duplicates/", include("guanxi.dataquality.duplicates.urls")),
    path("data-quality/merges/", include("guanxi.dataquality.merging.urls")),
    path("imports/", include("guanxi.dataquality.imports.urls")),
    path("exports/", include("guanxi.dataquality.exports.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
