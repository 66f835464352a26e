"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def company(db):
    from guanxi.core.testing import build_company

    return build_company()


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is deliberately slow; the suite creates hundreds of users. Argon2 itself is
    # exercised by tests that check the production hasher setting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render from the source static files; `guanxi serve` builds the hashed manifest.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
