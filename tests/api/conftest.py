"""Fixtures of the API tests: the docs page test drives the same Chromium as tests/browser."""

from tests.browser.conftest import CHROMIUM, browser, page  # noqa: F401  (fixtures, used by name)
