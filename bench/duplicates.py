"""Benchmark the duplicate scan over the benchmark database.

    python bench/duplicates.py --db sqlite --customers 1000000
    python bench/duplicates.py --db postgresql --customers 1000000 --plant 5000

Seeds the database with `guanxi demo` like bench/run.py (or reuses the one under --data-root), then
plants deliberate duplicates once (--plant, default 2,000): copies of existing customers as a second
seller would enter them — the place moved into brackets or dropped, another legal form, the phone
written another way or left out, the contact's name in pinyin or as 王总 — written through the demo
loader's bulk path with their match keys. The marker in their notes makes a second run plant nothing.
Then it runs one scan as the job runs it (scan and write the groups) and prints a markdown row:
customers and contacts scanned, pairs compared, groups found, wall time, and the CPU time of this
process (the database server's own work is not in it; on a busy machine it says what wall time hides).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = "bench: planted duplicate"
BUDGET_SECONDS = 300


def outer(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    from run import environment, prepare_database

    env = environment(args.db, args.customers, Path(args.data_root))
    if args.db == "postgresql" and args.pg_database:
        env["GUANXI_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.pg_database}"
    prepare_database(args.db, args.customers, env, args.follow_ups)
    subprocess.run([str(Path(sys.executable).parent / "guanxi"), "migrate", "--noinput", "-v", "0"], env=env,
                   check=True)
    done = subprocess.run([sys.executable, __file__, "--inner", "--plant", str(args.plant)], env=env, check=True,
                          text=True, stdout=subprocess.PIPE)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    verdict = "✅" if result["seconds"] < BUDGET_SECONDS else "❌"
    header = ("| db | customers | contacts | planted | pairs compared | customer groups | contact groups | "
              "wall (s) | scan CPU (s) | budget |\n|---|---|---|---|---|---|---|---|---|---|\n")
    row = (f"| {args.db} | {result['customers']:,} | {result['contacts']:,} | {result['planted']:,} | "
           f"{result['pairs']:,} | {result['customer_groups']:,} | {result['contact_groups']:,} | "
           f"{result['seconds']:.1f} | {result['cpu']:.1f} | < {BUDGET_SECONDS} {verdict} |")
    print(header + row)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"duplicates-{args.db}-{args.customers}.md").write_text(header + row + "\n")


# -- inside the benchmark database's environment --


def plant(count: int) -> int:
    """Copies of `count` existing company customers, each with a copy of one contact; 0 if planted before."""
    import datetime as dt
    import random

    from django.db import transaction
    from django.utils import timezone

    from guanxi.customers.models import Contact, Customer
    from guanxi.dataquality.match_keys import MATCH_KEY_COLUMNS, entity_of, match_key_rows
    from guanxi.dataquality.models import MatchKey
    from guanxi.dataquality.normalise import company_name_key, company_name_place
    from guanxi.demo import bulk
    from guanxi.demo.generate import CONTACT_COLUMNS, CUSTOMER_COLUMNS
    from guanxi.org.models import User

    if count <= 0 or Customer.objects.filter(notes=MARKER).exists():
        return 0
    rng = random.Random(2026)
    top = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    wanted = sorted(rng.sample(range(1, top + 1), min(count * 2, top)))
    originals = list(Customer.objects.alive().filter(pk__in=wanted, kind="company").select_related("owner")
                     .order_by("id")[:count])
    contacts = {c.customer_id: c for c in Contact.objects.alive().filter(customer__in=originals).order_by("id")}
    owners = list(User.objects.filter(is_active=True, department__isnull=False))
    now = timezone.now()
    customer_id, contact_id = bulk.next_id(Customer), bulk.next_id(Contact)
    customers, people, keys = [], [], []
    for original in originals:
        copy = Customer(**{f.attname: getattr(original, f.attname) for f in Customer._meta.concrete_fields})
        copy.pk = customer_id
        copy.name = _variant(rng, original.name, company_name_key, company_name_place)
        style = rng.random()
        if style < 0.4:
            copy.phone = _rewritten(original.phone)
        elif style < 0.7:
            copy.phone, copy.phone_e164 = "", ""
        copy.owner = rng.choice(owners)
        copy.department_id = copy.owner.department_id
        copy.notes, copy.created_at, copy.updated_at = MARKER, now - dt.timedelta(days=1), now
        copy.deleted_at = copy.deleted_by_id = None
        customers.append(tuple(getattr(copy, c) for c in CUSTOMER_COLUMNS))
        keys.extend(match_key_rows(entity_of(Customer), copy.pk, name=copy.name))
        person = contacts.get(original.pk)
        if person is not None:
            twin = Contact(**{f.attname: getattr(person, f.attname) for f in Contact._meta.concrete_fields})
            twin.pk, twin.customer_id = contact_id, copy.pk
            twin.name = _person_variant(rng, person.name)
            if rng.random() < 0.5:
                twin.mobile, twin.mobile_e164 = "", ""
            twin.created_at = twin.updated_at = now
            people.append(tuple(getattr(twin, c) for c in CONTACT_COLUMNS))
            contact_id += 1
        customer_id += 1
    with transaction.atomic():
        bulk.insert(Customer, CUSTOMER_COLUMNS, bulk.prepare(customers, bulk.converters(Customer, CUSTOMER_COLUMNS)))
        bulk.insert(Contact, CONTACT_COLUMNS, bulk.prepare(people, bulk.converters(Contact, CONTACT_COLUMNS)))
        bulk.insert(MatchKey, MATCH_KEY_COLUMNS, keys)
    bulk.reset_sequences([Customer, Contact])
    return len(customers)


def _variant(rng, name: str, key_of, place_of) -> str:
    """The same company as another seller writes it."""
    key, place = key_of(name), place_of(name)
    suffix = rng.choice(["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"])
    if not key or not place or key not in name:
        return name.replace("有限公司", "股份有限公司") if "股份" not in name else name.replace("股份", "")
    return rng.choice([f"{key}（{place}）{suffix}", f"{key}{suffix}", f"{place}{key}{suffix}",
                       f"{place}市{key}{suffix}"])


def _rewritten(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+86 {digits.lstrip('0')}" if digits else phone


def _person_variant(rng, name: str) -> str:
    from pypinyin import lazy_pinyin

    if len(name) < 2:
        return name
    style = rng.random()
    if style < 0.4:
        syllables = lazy_pinyin(name)
        return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
    if style < 0.7:
        return name[0] + rng.choice(["总", "经理", "先生"])
    return name


def inner(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    import django

    django.setup()
    from huey.contrib.djhuey import HUEY

    from guanxi.core.system import SYSTEM
    from guanxi.dataquality.duplicates.models import DuplicateScan
    from guanxi.dataquality.duplicates.services import duplicate_scan_start

    planted = plant(args.plant)
    print(f"Planted {planted} duplicates.", file=sys.stderr, flush=True)
    # The job runs in this process as the transaction commits, as a worker would run it.
    HUEY.immediate = True
    started, cpu = time.perf_counter(), time.process_time()
    scan = duplicate_scan_start(actor=SYSTEM)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    scan = DuplicateScan.objects.select_related("job").get(pk=scan.pk)
    if scan.status != "done":
        sys.exit(f"The scan ended as {scan.status}: {scan.job.error if scan.job else ''}")
    print(json.dumps({"customers": scan.customers, "contacts": scan.contacts, "planted": planted, "pairs": scan.pairs,
                      "customer_groups": scan.customer_groups, "contact_groups": scan.contact_groups,
                      "seconds": seconds, "cpu": cpu}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--follow-ups", type=float, default=3.0, help="average follow-ups per customer when seeding")
    parser.add_argument("--data-root", default=os.environ.get("GUANXI_BENCH_DATA", "/work/bench-data"))
    parser.add_argument("--pg-database", default="", help="PostgreSQL database (default guanxi_bench_<customers>)")
    parser.add_argument("--plant", type=int, default=2000, help="deliberate duplicates to add once (0: none)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
