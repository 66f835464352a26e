"""Benchmark the daily reminder run over the benchmark database (1M customers, their contracts).

    python bench/reminders.py --db postgresql --customers 1000000
    python bench/reminders.py --db sqlite --customers 1000000 --days 3

Seeds or reuses the database of bench/run.py, then runs the reminders of --days mornings (today and
the days before) as the scheduled run does: every source reads its day's range from its index and
each reminder is recorded and handed to `notify` (in-app notifications; email and robots would be
queued after commit). Each run happens in a transaction that is rolled back, so the database stays
as it was and runs can be repeated. Prints a markdown row per morning: reminders per source, wall
and CPU time of this process. Budget: one morning's run in under 2 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUDGET_SECONDS = 120


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def inner(days: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from guanxi.automation.reminders.services import reminders_run

    class Rollback(Exception):
        pass

    base = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for back in range(days):
        now = base - dt.timedelta(days=back)
        started, cpu_started = time.perf_counter(), cpu()
        counts: dict[str, int] = {}
        try:
            with transaction.atomic():
                counts = reminders_run(now)
                raise Rollback
        except Rollback:
            pass
        print(json.dumps({"day": now.date().isoformat(), "counts": counts,
                          "seconds": time.perf_counter() - started, "cpu": cpu() - cpu_started}), flush=True)


def outer(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    from run import environment, prepare_database

    env = environment(args.db, args.customers, Path(args.data_root))
    prepare_database(args.db, args.customers, env, args.follow_ups)
    subprocess.run([str(Path(sys.executable).parent / "guanxi"), "migrate", "--noinput", "-v", "0"], env=env,
                   check=True)
    done = subprocess.run([sys.executable, __file__, "--inner", "--days", str(args.days)], env=env, check=True,
                          text=True, stdout=subprocess.PIPE)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    header = ("| db | customers | morning | follow-ups due | not contacted | pool returns | contracts ending | "
              "instalments due | overdue | reminders | wall (s) | CPU (s) | budget |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for row in rows:
        c = row["counts"]
        verdict = "✅" if row["seconds"] < BUDGET_SECONDS else "❌"
        lines.append(
            f"| {args.db} | {args.customers:,} | {row['day']} | {c.get('customers.follow_up_due', 0):,} | "
            f"{c.get('customers.not_contacted', 0):,} | {c.get('customers.pool_return', 0):,} | "
            f"{c.get('contracts.ending', 0):,} | {c.get('contracts.instalment_due', 0):,} | "
            f"{c.get('contracts.instalment_overdue', 0):,} | {sum(c.values()):,} | {row['seconds']:.1f} | "
            f"{row['cpu']:.1f} | < {BUDGET_SECONDS} {verdict} |")
    table = header + "\n".join(lines)
    print(table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"reminders-{args.db}-{args.customers}.md").write_text(table + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--follow-ups", type=float, default=3.0)
    parser.add_argument("--days", type=int, default=3, help="mornings to run, today and the days before")
    parser.add_argument("--data-root", default=os.environ.get("GUANXI_BENCH_DATA", "/work/bench-data"))
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args.days)
    else:
        outer(args)


if __name__ == "__main__":
    main()
