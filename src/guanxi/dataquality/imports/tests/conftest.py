"""Fixtures for the import tests: the company with the import right, files to upload, a run to the end."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def importers(company):
    """The test company with dataquality.import granted to sellers and managers (erin still has no role)."""
    for role in (company.seller_role, company.manager_role):
        role.actions = [*role.actions, "dataquality.import"]
        role.save(update_fields=["actions"])
    from guanxi.org.models import User

    # Jobs write their messages in their owner's language; the tests read English.
    User.objects.update(language="en")
    for name in ("alice", "bob", "carol", "dave", "erin", "root"):
        setattr(company, name, User.objects.get(username=name))
    return company


def upload_of(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    """A fixture file (or `content` under `name`) as a browser would upload it."""
    data = (FIXTURES / name).read_bytes() if content is None else content
    return SimpleUploadedFile(name, data)


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """`run_import(actor, entity, file_name_or_upload, mode=...)`: upload, start and run to the end."""
    from guanxi.dataquality.imports import services

    def run(actor, entity, upload, *, mode="skip", mapping=None):
        if isinstance(upload, str):
            upload = upload_of(upload)
        data_import = services.import_upload(actor=actor, entity=entity, upload=upload)
        if mapping is not None:
            services.import_set_mapping(actor=actor, data_import=data_import, columns=mapping)
        services.import_set_options(actor=actor, data_import=data_import, duplicate_mode=mode)
        with django_capture_on_commit_callbacks(execute=True):
            services.import_start(actor=actor, data_import=data_import)
        data_import.refresh_from_db()
        return data_import

    return run


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from django.test import Client

    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for
