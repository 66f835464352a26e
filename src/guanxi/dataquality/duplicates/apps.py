from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "guanxi.dataquality.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        from django.urls import reverse

        from guanxi.core.jobs import register_job_kind

        from .services import JOB_KIND, JOB_TITLE, run_scan_job

        register_job_kind(JOB_KIND, title=JOB_TITLE, run=run_scan_job,
                          result_url=lambda job: reverse("duplicates:list"))
