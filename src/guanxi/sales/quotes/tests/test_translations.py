"""The quotes catalogue ships complete and compiled, agrees with the other apps' catalogues, and the
pages follow the reader's language."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

import guanxi

HERE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ALL = sorted(Path(guanxi.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(HERE))
    assert not po.untranslated_entries() and not po.fuzzy_entries()
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
                for e in polib.mofile(str(HERE.with_suffix(".mo")))}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr or entry.msgstr_plural.get(0, "")), \
            entry.msgid


def test_shared_texts_are_translated_as_elsewhere():
    ours = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
            for e in polib.pofile(str(HERE)).translated_entries()}
    conflicts = []
    for path in ALL:
        if path == HERE:
            continue
        for entry in polib.pofile(str(path)).translated_entries():
            key = (entry.msgctxt, entry.msgid)
            theirs = entry.msgstr or entry.msgstr_plural.get(0, "")
            if key in ours and ours[key] != theirs:
                conflicts.append((entry.msgid, ours[key], theirs, path.parts[-5]))
    assert not conflicts, conflicts


@pytest.mark.django_db
def test_quote_pages_follow_the_readers_language(company, client, make_quote):
    quote = make_quote(company.alice)
    client.force_login(company.alice)
    zh = client.get(reverse("quotes:detail", args=[quote.pk]), headers={"Accept-Language": "zh-hans"})
    en = client.get(reverse("quotes:detail", args=[quote.pk]), headers={"Accept-Language": "en"})
    assert "报价明细" in zh.content.decode() and "折扣 %" in zh.content.decode()
    assert "Lines" in en.content.decode() and "报价明细" not in en.content.decode()
