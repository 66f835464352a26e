"""Running Guanxi: health check, safe defaults, request ids."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_healthz_answers_ok_with_a_request_id(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


def test_safe_defaults():
    assert settings.DEBUG is False
    assert settings.SECRET_KEY and len(settings.SECRET_KEY) >= 40
    assert settings.AUTH_USER_MODEL == "org.User"
    from guanxi import settings as configured  # the module, not the test run's overrides

    assert "Argon2" in configured.PASSWORD_HASHERS[0]
    assert settings.SESSION_COOKIE_HTTPONLY


def test_secret_key_is_generated_once_into_the_data_directory(tmp_path):
    import subprocess
    import sys

    code = "import guanxi.settings as s; print(s.SECRET_KEY)"
    env = {"GUANXI_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout
    assert (tmp_path / "secret_key").read_text().strip() == first.stdout.strip()
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_database_urls_are_understood():
    from guanxi.settings import database_from_url

    pg = database_from_url("postgresql://crm:p%40ss@db.internal:6432/guanxi?sslmode=require")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql", "guanxi", "crm", "p@ss", "db.internal", "6432")
    assert pg["OPTIONS"]["sslmode"] == "require"
    with pytest.raises(ValueError):
        database_from_url("mysql://x/y")


@pytest.mark.django_db
def test_models_and_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
