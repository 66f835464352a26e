"""Big exports run as background jobs: the page goes to the job, the API answers 202; the job writes
the file with the same filters, scope and masking, audits it, and only its owner downloads it."""

from __future__ import annotations

import pytest

from guanxi.core.jobs import execute_job
from guanxi.core.models import AuditEvent, Job, JobStatus

from .conftest import api, body_of, keys, post_export, read_csv, read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.EXPORT_BACKGROUND_ROWS = 2


@pytest.fixture
def three_customers(company, make_customer):
    made = [make_customer(company.alice, f"{n}公司", grade="A", phone="13812345678") for n in "甲乙丙"]
    make_customer(company.alice, "丁公司", grade="C")
    make_customer(company.bob, "戊公司", grade="A")
    return {str(c.pk) for c in made}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_big_export_from_the_page_runs_as_a_job_and_its_owner_downloads_it(
        login, company, three_customers, django_capture_on_commit_callbacks, fmt):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = login(company.alice).post("/exports/customers/?grade=A", {"format": fmt})

    # then: the user is taken to the job, which is done
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.owner) == ("export.customers", JobStatus.DONE, company.alice)
    assert (job.done, job.total, job.result) == (3, 3, {"list": "customers", "format": fmt, "rows": 3})
    assert job.file_name.startswith("customers-") and job.file_name.endswith(f".{fmt}")
    page = login(company.alice).get(f"/jobs/{job.pk}/")
    assert "Export: Customers" in page.content.decode()
    assert f"/jobs/{job.pk}/download/" in page.content.decode()

    # and the file holds alice's matching customers, masked as for her on screen
    download = login(company.alice).get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    rows = read_csv(download) if fmt == "csv" else read_xlsx(body_of(download))
    assert keys(rows) == three_customers
    assert {r[9] for r in rows[1:]} == {"138****5678"}


def test_only_the_owner_downloads_a_background_export(login, company, three_customers,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(company.alice).post("/exports/customers/", {"format": "xlsx"})
    job = Job.objects.get()
    # carol, alice's manager, sees alice's customers but not alice's files
    assert login(company.carol).get(f"/jobs/{job.pk}/download/").status_code == 404
    assert login(company.bob).get(f"/jobs/{job.pk}/download/").status_code == 404
    assert api(company.carol).get(f"/api/v1/exports/{job.pk}").status_code == 404
    assert api(company.bob).get(f"/api/v1/exports/{job.pk}/file").status_code == 404
    assert api(company.alice).get(f"/api/v1/exports/{job.pk}/file").status_code == 200


def test_a_big_export_through_the_api_answers_202_with_the_job_to_poll(company, three_customers,
                                                                       django_capture_on_commit_callbacks):
    # when
    client = api(company.alice)
    with django_capture_on_commit_callbacks(execute=True):
        started = post_export(client, {"list": "customers", "format": "csv", "filters": {"grade": "A"}})

    # then
    assert started.status_code == 202
    job_id = started.json()["id"]
    status = client.get(f"/api/v1/exports/{job_id}")
    assert status.status_code == 200
    assert status.json() == {
        "id": job_id, "list": "customers", "format": "csv", "status": "done", "done": 3, "total": 3, "rows": 3,
        "error": "", "page_url": f"/jobs/{job_id}/", "download_url": f"/api/v1/exports/{job_id}/file"}
    download = client.get(status.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert keys(read_csv(download)) == three_customers


def test_the_api_says_when_a_job_is_not_done_yet(company, three_customers):
    # given: started, but its transaction's commit (and so the worker) has not come yet
    client = api(company.alice)
    started = post_export(client, {"list": "customers", "format": "xlsx"})
    job_id = started.json()["id"]

    # then
    assert started.json()["status"] == "queued"
    assert started.json()["download_url"] is None
    response = client.get(f"/api/v1/exports/{job_id}/file")
    assert response.status_code == 409
    assert response.json()["code"] == "export_not_ready"


def test_a_background_export_is_audited_when_its_file_is_written(company, three_customers,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_export(api(company.alice), {"list": "customers", "format": "xlsx", "filters": {"grade": "A"}})
    job = Job.objects.get()
    event = AuditEvent.objects.get(action="customer.exported")
    assert event.actor == company.alice
    assert event.extra == {"list": "customers", "filters": "grade=A", "format": "xlsx", "rows": 3, "job": job.pk}


def test_a_job_whose_owner_lost_the_export_right_fails_and_writes_nothing(company, three_customers):
    # given: started, then the role changes before a worker picks it up
    post_export(api(company.alice), {"list": "customers", "format": "csv"})
    job = Job.objects.get()
    company.alice.roles.clear()
    company.alice.language = "en"  # the job reports in its owner's language
    company.alice.save(update_fields=["language"])

    # when
    execute_job(job.pk)

    # then
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "You do not have permission to do this."
    assert not job.file
    assert not AuditEvent.objects.filter(action="customer.exported").exists()


def test_the_old_customer_csv_link_also_moves_big_exports_to_the_background(login, company, three_customers,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(company.alice).get("/customers/export.csv?grade=A")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.DONE


def test_other_jobs_are_not_exports(company):
    from guanxi.core.jobs import job_start, register_job_kind

    register_job_kind("test.export_lookalike", title="Other", run=lambda job: None)
    job = job_start(actor=company.alice, kind="test.export_lookalike")
    assert api(company.alice).get(f"/api/v1/exports/{job.pk}").status_code == 404


def test_a_background_file_is_written_in_its_owners_language(company, three_customers,
                                                             django_capture_on_commit_callbacks):
    company.alice.language = "zh-hans"
    company.alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        post_export(api(company.alice), {"list": "customers", "format": "xlsx", "filters": {"grade": "A"}})
    job = Job.objects.get()
    rows = read_xlsx(body_of(api(company.alice).get(f"/api/v1/exports/{job.pk}/file")))
    assert rows[0][1] == "名称"
    assert {r[5] for r in rows[1:]} == {"潜在"}
