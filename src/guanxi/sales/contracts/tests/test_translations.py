"""The contracts catalogue is complete, compiled, agrees with the other apps, and the pages speak Chinese.

(The suite-wide check in tests/test_translations.py reads only catalogues one level below guanxi/.)
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

import guanxi

ROOT = Path(guanxi.__file__).parent
CATALOGUE = ROOT / "sales" / "contracts" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE))
    assert not po.untranslated_entries() and not po.fuzzy_entries()
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
                for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))}
    for entry in po.translated_entries():
        expected = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert compiled.get((entry.msgctxt, entry.msgid)) == expected, f".mo is stale for {entry.msgid!r}"


def test_shared_texts_read_the_same_as_in_other_apps():
    ours = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
            for e in polib.pofile(str(CATALOGUE)).translated_entries()}
    differing = {}
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if path == CATALOGUE:
            continue
        for entry in polib.pofile(str(path)).translated_entries():
            key = (entry.msgctxt, entry.msgid)
            theirs = entry.msgstr or entry.msgstr_plural.get(0, "")
            if key in ours and ours[key] != theirs:
                differing[key] = (ours[key], theirs, str(path.relative_to(ROOT)))
    assert not differing, differing


@pytest.mark.django_db
def test_pages_in_chinese(company, make_contract):
    make_contract(company.alice, title="年度服务合同", active=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(company.alice)
    body = client.get(reverse("contracts:list")).content.decode()
    assert "新建合同" in body and "执行中" in body and "已回款" in body
    assert "回款" in client.get(reverse("contracts:receivables")).content.decode()
