"""Background jobs: started by a service, run once by a worker, progress and failures visible to
their owner only. The last tests run a real Huey consumer on the real queue (SQLite, or Redis
when GUANXI_REDIS_URL is set)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.errors import DomainError
from guanxi.core.jobs import (
    MAX_ATTEMPTS,
    execute_job,
    job_file_path,
    job_get,
    job_progress,
    job_start,
    register_job_kind,
)
from guanxi.core.models import Job, JobStatus
from guanxi.core.testing_queue import real_consumer, wait_for

CALLS: list[int] = []


def _count_lines(job: Job) -> None:
    lines = job.params["lines"]
    for done in range(1, len(lines) + 1):
        job_progress(job, done, total=len(lines))
    with job_file_path(job, "lines.txt").open("w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    job.result = {"lines": len(lines)}
    CALLS.append(job.pk)


def _refuse(job: Job) -> None:
    raise DomainError("too_big", "文件太大")


def _crash(job: Job) -> None:
    CALLS.append(job.pk)
    raise RuntimeError("disk full")


register_job_kind("test.count", title="Count lines", run=_count_lines, result_url=lambda job: "/done/")
register_job_kind("test.refuse", title="Refuse", run=_refuse)
register_job_kind("test.crash", title="Crash", run=_crash)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


def test_a_job_runs_when_its_transaction_commits(company, django_capture_on_commit_callbacks):
    # given / when
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=company.alice, kind="test.count", params={"lines": ["a", "b", "c"]})
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    # then
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"lines": 3}
    assert job.file_name == "lines.txt"
    assert job.started_at and job.finished_at


def test_a_job_in_a_rolled_back_transaction_never_runs(company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                job_start(actor=company.alice, kind="test.count", params={"lines": ["a"]})
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Job.objects.exists()
    assert CALLS == []


def test_a_job_delivered_twice_runs_once(company):
    job = job_start(actor=company.alice, kind="test.count", params={"lines": ["a"]})
    execute_job(job.pk)
    execute_job(job.pk)
    assert [job.pk] == CALLS


def test_a_business_refusal_fails_the_job_with_its_message(company):
    job = job_start(actor=company.alice, kind="test.refuse")
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "文件太大"
    assert job.attempts == 1


def test_a_crash_is_retried_then_failed(company):
    job = job_start(actor=company.alice, kind="test.crash")
    for _attempt in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            execute_job(job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "RuntimeError" in job.error
    assert len(CALLS) == MAX_ATTEMPTS
    execute_job(job.pk)
    assert len(CALLS) == MAX_ATTEMPTS


def test_an_unknown_kind_is_refused_at_start(company):
    with pytest.raises(ValueError):
        job_start(actor=company.alice, kind="test.nothing")


def test_only_the_owner_and_an_admin_see_a_job(company, login):
    from guanxi.core.errors import NotFound

    job = job_start(actor=company.alice, kind="test.count", params={"lines": ["x"]})
    execute_job(job.pk)
    assert job_get(actor=company.alice, id=job.pk) == job
    assert job_get(actor=company.root, id=job.pk) == job
    with pytest.raises(NotFound):
        job_get(actor=company.bob, id=job.pk)

    bob = login(company.bob)
    assert bob.get(reverse("web:job", args=[job.pk])).status_code == 404
    assert bob.get(reverse("web:job_download", args=[job.pk])).status_code == 404
    assert "Count lines" not in bob.get(reverse("web:jobs")).content.decode()


def test_the_owner_follows_progress_and_downloads_the_file(company, login):
    job = job_start(actor=company.alice, kind="test.count", params={"lines": ["第一行", "第二行"]})
    alice = login(company.alice)
    page = alice.get(reverse("web:job", args=[job.pk])).content.decode()
    assert "Queued" in page and 'hx-trigger="every 1s"' in page

    execute_job(job.pk)
    fragment = alice.get(reverse("web:job", args=[job.pk]), HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="job-progress").content.decode()
    assert "Done" in fragment and "every 1s" not in fragment
    assert 'href="/done/"' in fragment
    download = alice.get(reverse("web:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == "第一行\n第二行"
    assert "Count lines" in alice.get(reverse("web:jobs")).content.decode()


def test_a_job_page_speaks_chinese(company, client):
    job = job_start(actor=company.alice, kind="test.refuse")
    execute_job(job.pk)
    client.force_login(company.alice)
    page = client.get(reverse("web:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "失败" in page and "文件太大" in page


@pytest.fixture
def real_queue():
    with real_consumer() as finished:
        yield finished


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_jobs_from_the_queue(real_queue):
    from guanxi.core.testing import build_company

    company = build_company()
    with transaction.atomic():
        jobs = [job_start(actor=company.alice, kind="test.count", params={"lines": [str(i)] * (i + 1)})
                for i in range(4)]
    wait_for(real_queue, len(jobs))
    for i, job in enumerate(jobs):
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
        assert job.result == {"lines": i + 1}
    assert sorted(CALLS) == sorted(job.pk for job in jobs)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_crash_then_fails_the_job(real_queue):
    from guanxi.core.jobs import run_job
    from guanxi.core.testing import build_company

    company = build_company()
    # Queued here with no delay between retries, rather than by job_start, so the test does not wait.
    job = Job.objects.create(kind="test.crash", owner_id=company.alice.pk)  # type: ignore[attr-defined]
    run_job.schedule((job.pk,), delay=0, retries=MAX_ATTEMPTS - 1, retry_delay=0)
    wait_for(real_queue, 1)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.attempts == MAX_ATTEMPTS
    assert len(CALLS) == MAX_ATTEMPTS
