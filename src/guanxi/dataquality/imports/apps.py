from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "guanxi.dataquality.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from django.urls import reverse

        from guanxi.core.jobs import register_job_kind

        from .services import JOB_KIND, run_import_job

        # The run of an import: its progress on the job page, then its report.
        register_job_kind(JOB_KIND, title=_("Import"), run=run_import_job,
                          result_url=lambda job: reverse("imports:detail", args=[job.params["import"]]))
