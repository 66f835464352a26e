"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def login(client):
    """`login(user)` signs `user` in on the test client and returns the client."""

    def sign_in(user):
        client.force_login(user)
        # Assertions read English text; translation tests check the Chinese catalogue explicitly.
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def make_customer(db):
    """`make_customer(owner, name, **fields)` creates a customer the way the application does."""
    from guanxi.core.system import SYSTEM
    from guanxi.customers import services

    def create(owner, name="杭州云栖科技有限公司", *, tags=None, custom=None, **data):
        return services.customer_create(actor=SYSTEM, data={"name": name, "owner": owner, **data}, tags=tags,
                                        custom=custom)

    return create


@pytest.fixture(autouse=True)
def _fresh_webhook_routes():
    """Each test finds webhook subscriptions afresh: the per-process cache of routes would otherwise
    carry one test's subscriptions (and a query saved) into the next."""
    from guanxi.automation.webhooks.dispatch import forget_routes

    forget_routes()
    yield
    forget_routes()


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
    # Background jobs run inside the test when their transaction commits; tests of the worker
    # itself switch to a real queue (see core/tests/test_jobs.py).
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
