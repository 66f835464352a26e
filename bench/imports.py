"""Benchmark imports: a 100,000-row customer file into a database that already holds customers, with
duplicate checking, through the same upload and background job the pages use.

    python bench/imports.py --db sqlite
    python bench/imports.py --db postgresql --rows 100000 --format xlsx

Each run starts from an empty database of its own (a SQLite file under --data-root, or the PostgreSQL
database guanxi_import_bench), seeds --existing customers by importing a first file, then imports the
measured file: mostly new customers, some rows matching the seeded ones (by company name, phone or
email), some repeated within the file and some invalid. Prints a markdown table row per import.
Budget: 100,000 rows in under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PG_DATABASE = "guanxi_import_bench"
BUDGET_SECONDS = 60.0

HEADER = ["客户名称", "客户类型", "行业", "客户等级", "状态", "来源", "地区", "详细地址", "电话", "邮箱", "网站",
          "下次跟进", "备注"]


def environment(db: str, data_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GUANXI_DATA_DIR"] = str(data_root / db)
    env["GUANXI_JOBS_IMMEDIATE"] = "1"  # the job runs in this process when its transaction commits
    env.pop("GUANXI_TEST_DATABASE_URL", None)
    env.pop("GUANXI_REDIS_URL", None)
    if db == "postgresql":
        env["GUANXI_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{PG_DATABASE}"
    else:
        env.pop("GUANXI_DATABASE_URL", None)
    return env


def fresh_database(db: str, env: dict[str, str]) -> None:
    data_dir = Path(env["GUANXI_DATA_DIR"])
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if db == "postgresql":
        psql = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["dropdb", *psql, "--if-exists", PG_DATABASE], check=True)
        subprocess.run(["createdb", *psql, PG_DATABASE], check=True)
    subprocess.run([str(BIN / "guanxi"), "migrate", "--noinput", "-v", "0"], env=env, check=True)


# -- the files --


def company_rows(count: int, seed: int, *, offset: int = 0) -> list[list[str]]:
    """Realistic customers: Chinese company names (a different trade name each), landlines and mobiles in
    the ways people write them."""
    from guanxi.demo import vocabulary as words

    rng = random.Random(seed)
    trades = sorted({(industry, word) for industry, ws in words.INDUSTRY_WORDS.items() for word in ws})
    first, second = words.BRAND_FIRST, words.BRAND_SECOND
    space = len(first) * len(second) * len(first) * len(trades)
    rows = []
    for i in range(offset, offset + count):
        province, city, area, districts = rng.choices(words.REGIONS, weights=words.REGION_WEIGHTS)[0]
        # Index i picks its own brand and trade (a stride coprime to the space visits each once).
        n = (i * 7_919) % space
        n, a = divmod(n, len(first))
        n, b = divmod(n, len(second))
        n, c = divmod(n, len(first))
        industry, trade = trades[n % len(trades)]
        name = f"{city}市{first[a]}{second[b]}{first[c]}{trade}{rng.choice(words.COMPANY_SUFFIXES)}"
        mobile = rng.choice(words.MOBILE_PREFIXES) + f"{i:08d}"
        phone = mobile if rng.random() < 0.5 else f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        rows.append([
            name, "企业", rng.choice(["制造业", "软件与信息技术", "零售与电商", "金融", "物流", "other"]),
            rng.choice("ABCD"), rng.choice(["潜在", "意向", "赢单", "potential"]),
            rng.choice(["官网", "展会", "转介绍", "广告"]), f"{province} {city}",
            f"{city}市{rng.choice(districts)}{rng.choice(words.STREET_STEMS)}路{rng.randrange(1, 999)}号", phone,
            f"info{i}@example-{i % 997}.cn" if rng.random() < 0.6 else "",
            f"https://www.c{i}.example.cn" if rng.random() < 0.3 else "",
            str(45_000 + rng.randrange(0, 900)) if rng.random() < 0.3 else "",  # an Excel serial date
            "年度采购意向，联系人很积极。" if rng.random() < 0.2 else "",
        ])
    return rows


def measured_rows(rows: int, existing: list[list[str]], seed: int) -> list[list[str]]:
    """Mostly new customers; 5% match a seeded one, 1% repeat an earlier row, 1% are invalid."""
    rng = random.Random(seed + 1)
    out = company_rows(rows, seed + 2, offset=len(existing))
    for i in range(0, rows, 20):  # matches: the same company written another way, or its phone
        old = rng.choice(existing)
        out[i] = list(out[i])
        if rng.random() < 0.5:
            out[i][0] = old[0].replace("有限公司", "有限责任公司")
        else:
            out[i][8] = old[8]
    for i in range(7, rows, 100):
        out[i] = list(out[i - 3])
    for i in range(11, rows, 100):
        out[i] = list(out[i])
        out[i][8] = "12345"
        out[i][3] = "Z"
    return out


def write_file(path: Path, rows: list[list[str]], fmt: str) -> None:
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([int(v) if i == 11 and v else v for i, v in enumerate(row)])
    book.save(path)


# -- the measured part, in a process set up for the bench database --


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its finished children (the import's worker processes)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime)


def import_file(actor, path: Path, mode: str) -> tuple[object, float, float]:
    from django.core.files import File
    from django.db import transaction

    from guanxi.dataquality.imports import services

    started = time.perf_counter()
    with path.open("rb") as f:
        data_import = services.import_upload(actor=actor, entity="customers", upload=File(f, name=path.name))
    uploaded = time.perf_counter()
    services.import_set_options(actor=actor, data_import=data_import, duplicate_mode=mode)
    with transaction.atomic():
        services.import_start(actor=actor, data_import=data_import)
    data_import.refresh_from_db()
    return data_import, uploaded - started, time.perf_counter() - uploaded


def inner(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import connection

    from guanxi.customers.models import Customer
    from guanxi.org.models import Department, User

    hq = Department.objects.create(name="总部")
    hq.path = Department.path_segment(hq.pk)
    hq.save(update_fields=["path"])
    admin = User.objects.create_user(username="bench", password="bench-bench-2026", display_name="基准",
                                     department=hq, is_superuser=True, is_staff=True)
    folder = Path(os.environ["GUANXI_DATA_DIR"]) / "files"
    folder.mkdir(exist_ok=True)
    existing = company_rows(args.existing, args.seed)
    seed_file = folder / f"existing.{args.format}"
    write_file(seed_file, existing, args.format)
    seeded, _up, _run = import_file(admin, seed_file, "skip")
    rows = measured_rows(args.rows, existing, args.seed)
    measured = folder / f"customers-{args.rows}.{args.format}"
    write_file(measured, rows, args.format)
    size = measured.stat().st_size / 1024 / 1024
    cpu_before = cpu_seconds()
    done, upload_s, run_s = import_file(admin, measured, args.mode)
    cpu_main, cpu_workers = (after - before for after, before in zip(cpu_seconds(), cpu_before, strict=True))
    total = upload_s + run_s
    verdict = "✅" if total < BUDGET_SECONDS and done.status == "done" else "❌"
    print(f"| {connection.vendor} | {args.format} | {args.rows:,} | {size:.1f} MB | {seeded.created:,} | "
          f"{args.mode} | {done.created:,} | {done.updated:,} | {done.skipped:,} | {done.failed:,} | "
          f"{upload_s:.1f} | {run_s:.1f} | {total:.1f} | {args.rows / total:,.0f} | "
          f"{cpu_main:.1f} / {cpu_workers:.1f} | {os.getloadavg()[0]:.1f} | < {BUDGET_SECONDS:.0f} s {verdict} |",
          flush=True)
    assert Customer.objects.count() == seeded.created + done.created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=20_000, help="customers in the database beforehand")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--mode", choices=["skip", "update", "create"], default="skip")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/import-bench"))
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    env = environment(args.db, args.data_root)
    fresh_database(args.db, env)
    print("| database | format | rows | file | existing | duplicates | created | updated | skipped | failed | "
          "upload s | run s | total s | rows/s | CPU s (main / workers) | load | budget |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    subprocess.run([sys.executable, __file__, *sys.argv[1:], "--inner"], env=env, check=True)


if __name__ == "__main__":
    main()
