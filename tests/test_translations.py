"""Both languages ship complete: every catalogue is fully translated and compiled as committed."""

from pathlib import Path

import polib
import pytest
from django.test import Client

import guanxi

CATALOGUES = sorted(Path(guanxi.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_a_catalogue():
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {"core", "org", "customers", "activities", "web", "dataquality", "automation", "products", "opportunities",
            "leads", "quotes", "contracts", "targets"} <= apps


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:10]}"
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in mo}
    for entry in po.translated_entries():
        expected = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert compiled.get((entry.msgctxt, entry.msgid)) == expected, f"{po_path}: .mo is stale for {entry.msgid!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("language,expected,absent", [("zh-hans", "客户", "Customers"), ("en", "Customers", "客户")])
def test_pages_follow_the_browsers_language(company, language, expected, absent):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(company.alice)
    nav = client.get("/").content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]
    assert expected in nav
    assert absent not in nav


def test_one_english_text_has_one_translation_across_apps():
    """Django merges the apps' catalogues and the first one wins; the same text translated two
    ways would silently show the wrong word on some page. Different meanings take a context."""
    seen: dict[tuple, dict[str, str]] = {}
    for po_path in CATALOGUES:
        for entry in polib.pofile(str(po_path)).translated_entries():
            text = entry.msgstr or entry.msgstr_plural.get(0, "")
            seen.setdefault((entry.msgctxt, entry.msgid), {})[po_path.parts[-5]] = text
    conflicts = {k: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert not conflicts, conflicts
