"""The scan: blocks from the database, groups written, dismissals remembered, one scan at a time."""

import pytest

from guanxi.core.errors import Conflict, Forbidden
from guanxi.core.jobs import execute_job
from guanxi.core.models import Job, JobStatus
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customer_services
from guanxi.dataquality.duplicates import scan as scanning
from guanxi.dataquality.duplicates.choices import GroupStatus, ScanStatus
from guanxi.dataquality.duplicates.models import DuplicateDismissal, DuplicateGroup, DuplicateMember, DuplicateScan
from guanxi.dataquality.duplicates.services import duplicate_group_dismiss, duplicate_scan_start

pytestmark = pytest.mark.django_db


def groups(entity="customer"):
    return [sorted(g.member_ids) for g in DuplicateGroup.objects.filter(entity=entity).order_by("id")]


def test_a_scan_groups_the_same_company_written_three_ways(company, make_customer, run_scan):
    # given
    a = make_customer(company.alice, "深圳市腾远电子科技有限公司", phone="0755-86123456")
    b = make_customer(company.dave, "腾远电子科技（深圳）有限公司", region="广东 深圳")
    c = make_customer(company.bob, "腾远电子科技股份有限公司", phone="+86 755 8612 3456")
    make_customer(company.alice, "广州市腾远电子科技有限公司", phone="020-88886666")  # another city
    make_customer(company.alice, "华信精密机械有限公司")
    # when
    scan = run_scan()
    # then
    assert scan.status == ScanStatus.DONE and scan.job.status == JobStatus.DONE
    assert scan.customers == 5 and scan.customer_groups == 1
    assert groups() == [sorted([a.pk, b.pk, c.pk])]
    group = DuplicateGroup.objects.get()
    assert group.size == 3 and group.score >= 0.8
    assert sorted(DuplicateMember.objects.values_list("object_id", flat=True)) == sorted([a.pk, b.pk, c.pk])
    assert ["same_company_name", 1, None] in group.reasons
    assert scan.job.result["customer_groups"] == 1 and scan.job.done == scan.job.total


def test_contacts_are_grouped_by_mobile_by_pinyin_and_by_surname_with_a_title(company, make_customer, make_contact,
                                                                              run_scan):
    acme = make_customer(company.alice, "腾远电子科技有限公司")
    other = make_customer(company.dave, "华信精密机械有限公司")
    zhang = make_contact(acme, "张伟", mobile="13812345678")
    boss = make_contact(acme, "张总")
    pinyin = make_contact(acme, "Wei Zhang")
    make_contact(acme, "李娜", mobile="13900001111")  # a colleague
    namesake = make_contact(other, "张伟", mobile="13712345678")
    moved = make_contact(other, "王芳", mobile="+86 139-8765-4321")
    again = make_contact(acme, "王芳", mobile="13987654321")
    run_scan()
    assert sorted(groups("contact")) == sorted([sorted([zhang.pk, boss.pk, pinyin.pk]), sorted([moved.pk, again.pk])])
    assert namesake.pk not in {pk for g in groups("contact") for pk in g}


def test_a_title_that_could_be_two_people_stays_apart(company, make_customer, make_contact, run_scan):
    acme = make_customer(company.alice, "腾远电子科技有限公司")
    make_contact(acme, "张伟", mobile="13812345678")
    make_contact(acme, "张敏", mobile="13900001111")
    make_contact(acme, "张总")
    run_scan()
    assert groups("contact") == []


def test_a_typo_a_phone_apart_is_found_by_the_fuzzy_block(company, make_customer, run_scan):
    a = make_customer(company.alice, "Shanghai Redwood Electronics Corporation", email="info@redwood.cn")
    b = make_customer(company.alice, "Shanghai Redwood Electroncs Corporation")
    c = make_customer(company.alice, "深圳市中科汇智环保科技有限公司")
    d = make_customer(company.alice, "深圳市中科汇智环保科枝有限公司", phone="0755-86123456")
    e = make_customer(company.alice, "深圳市中科汇智环保科技有限责责任公司")
    run_scan()
    assert sorted(groups()) == sorted([sorted([a.pk, b.pk]), sorted([c.pk, e.pk])])
    assert d.pk not in {pk for g in groups() for pk in g}  # a changed character and nothing else: not sure enough


def test_a_dismissed_pair_does_not_come_back_but_a_new_match_does(company, make_customer, run_scan):
    a = make_customer(company.alice, "深圳市腾远电子科技有限公司")
    b = make_customer(company.alice, "腾远电子科技有限公司")
    run_scan()
    duplicate_group_dismiss(actor=SYSTEM, group=DuplicateGroup.objects.get())
    assert DuplicateDismissal.objects.filter(first_id=min(a.pk, b.pk), second_id=max(a.pk, b.pk)).exists()
    run_scan()
    assert groups() == []
    c = make_customer(company.alice, "腾远电子科技股份有限公司")
    run_scan()
    found = groups()
    assert len(found) == 1 and c.pk in found[0] and {a.pk, b.pk} & set(found[0])
    assert DuplicateScan.objects.filter(status=ScanStatus.DONE).count() == 3
    # earlier scans' groups are gone, this one's remain
    assert set(DuplicateGroup.objects.values_list("scan_id", flat=True)) == {DuplicateScan.objects.latest("id").pk}


def test_dismissing_twice_answers_conflict(company, make_customer, run_scan):
    make_customer(company.alice, "深圳市腾远电子科技有限公司")
    make_customer(company.alice, "腾远电子科技有限公司")
    run_scan()
    group = DuplicateGroup.objects.get()
    duplicate_group_dismiss(actor=SYSTEM, group=group)
    with pytest.raises(Conflict):
        duplicate_group_dismiss(actor=SYSTEM, group=group)
    assert DuplicateGroup.objects.get().status == GroupStatus.DISMISSED


def test_deleted_records_are_not_scanned(company, make_customer, run_scan):
    a = make_customer(company.alice, "深圳市腾远电子科技有限公司")
    b = make_customer(company.alice, "腾远电子科技有限公司")
    customer_services.customer_delete(actor=SYSTEM, customer=b)
    scan = run_scan()
    assert scan.customers == 1 and groups() == []
    assert a.pk


def test_one_scan_at_a_time(company, reviewers, django_capture_on_commit_callbacks):
    first = duplicate_scan_start(actor=SYSTEM)  # queued: its transaction never commits in this test
    with pytest.raises(Conflict) as refused:
        duplicate_scan_start(actor=SYSTEM)
    assert refused.value.code == "scan_running"
    # a scan whose job failed for good no longer blocks the next
    assert first.job_id
    Job.objects.filter(pk=first.job_id).update(status=JobStatus.FAILED)
    second = duplicate_scan_start(actor=SYSTEM)
    assert DuplicateScan.objects.get(pk=first.pk).status == ScanStatus.FAILED
    assert second.status == ScanStatus.RUNNING


def test_scanning_needs_the_right(company, reviewers):
    with pytest.raises(Forbidden):
        duplicate_scan_start(actor=company.alice)
    assert not DuplicateScan.objects.exists()


def test_a_job_run_twice_scans_once(company, make_customer, run_scan):
    make_customer(company.alice, "深圳市腾远电子科技有限公司")
    make_customer(company.alice, "腾远电子科技有限公司")
    scan = run_scan()
    execute_job(scan.job_id)  # a retried delivery: the job is done, nothing runs again
    assert DuplicateGroup.objects.count() == 1


def test_blocks_too_common_to_mean_anything_are_skipped(company, make_customer, run_scan, monkeypatch):
    monkeypatch.setattr(scanning, "MAX_BLOCK", 3)
    for i in range(4):
        make_customer(company.alice, f"公司{'甲乙丙丁'[i]}{'戊己庚辛'[i]}商贸", phone="13800000000")
    scan = run_scan()
    assert scan.skipped_blocks >= 1 and groups() == []


def test_keys_of_one_chunk_boundary_are_read_whole(company, make_customer, run_scan, monkeypatch):
    monkeypatch.setattr(scanning, "CHUNK", 3)
    names = ["深圳市腾远电子科技有限公司", "腾远电子科技有限公司", "华信精密机械有限公司", "华信精密机械股份有限公司",
             "鼎盛食品有限公司", "鼎盛食品集团", "鼎盛食品股份有限公司"]
    made = [make_customer(company.alice, n) for n in names]
    run_scan()
    assert sorted(groups()) == sorted([sorted(c.pk for c in made[:2]), sorted(c.pk for c in made[2:4]),
                                       sorted(c.pk for c in made[4:])])


def test_a_credit_code_custom_field_is_used(company, make_customer, run_scan):
    from guanxi.core.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(entity="customers.customer", key="uscc", label="统一社会信用代码",
                                         kind="text")
    code = "91350203F4UMFC3NXE"
    a = make_customer(company.alice, "厦门市长城环保科技有限公司", custom={"uscc": code})
    b = make_customer(company.alice, "华美环保科技有限公司", custom={"uscc": code.lower()})
    run_scan()
    assert groups() == [sorted([a.pk, b.pk])]


def test_a_shared_mailbox_block_scores_only_pairs_that_could_match():
    from guanxi.dataquality.duplicates.matcher import customer_party, score

    box = "info@163.com"
    names = ["腾远电子科技有限公司", "华信精密机械有限公司", "鼎盛食品有限公司", "瑞丰物流有限公司",
             "腾远电子科技股份有限公司", "星河文化传媒有限公司"]
    parties = [customer_party(id=i, name=n, emails=[box], phones=["+8613800000001"] if i in (1, 3) else [])
               for i, n in enumerate(names)]
    chosen = {(a.id, b.id) for a, b in scanning._worth_scoring(parties)}
    # every pair the matcher would call a duplicate is among those scored, and far fewer are scored
    assert {(a.id, b.id) for i, a in enumerate(parties) for b in parties[i + 1:]
            if score(a, b).is_duplicate} <= chosen == {(0, 4), (1, 3)}


def test_the_shortcut_never_drops_a_pair_the_matcher_would_join():
    import csv

    from guanxi.dataquality.duplicates.evaluate import PAIRS
    from guanxi.dataquality.duplicates.matcher import customer_party, score

    with open(PAIRS, encoding="utf-8") as source:
        rows = [r for r in csv.DictReader(source) if r["entity"] == "customer"][:70]
    parties: list = []
    for row in rows:
        for side in "ab":
            if row[f"{side}_kind"] == "company" and not row[f"{side}_uscc"]:
                # one shared mailbox for all, as the block is made; their own phones and addresses kept
                parties.append(customer_party(id=len(parties), name=row[f"{side}_name"], region=row[f"{side}_region"],
                                              address=row[f"{side}_address"], phones=[row[f"{side}_phone"]],
                                              emails=["office@163.com"]))
    chosen = {(a.id, b.id) for a, b in scanning._worth_scoring(parties)}
    joined = {(a.id, b.id) for i, a in enumerate(parties) for b in parties[i + 1:] if score(a, b).is_duplicate}
    assert joined and joined <= chosen
    assert len(chosen) < len(parties) * (len(parties) - 1) // 4
