"""Fixtures of the organisation app's tests: signed-in clients and real TOTP codes."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, drift=device.drift + steps_ahead)
    return str(value).zfill(device.digits)


def fresh_code(device: TOTPDevice) -> str:
    """A code not used yet: django-otp accepts each time step only once, so step past the last used one."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    ahead = max(0, device.last_t + 1 - now_t)
    if ahead > device.tolerance:
        raise AssertionError("no unused code within the accepted window")
    return code_for(device, ahead)


@pytest.fixture
def client_of(company):
    """`client_of("alice")`: a test client signed in as that member of the cast."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(getattr(company, name))
        return client

    return make


@pytest.fixture
def enrolled(db):
    """`enrolled(user)`: give the user a confirmed authenticator, as if they had set it up."""

    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    return make


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp waits after each wrong code; tests that follow a wrong code with a right one skip the wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0



@pytest.fixture
def totp_code():
    """`totp_code(device)`: a current code the device has not accepted yet."""
    return fresh_code
