"""Benchmark webhook deliveries: customers saved through the real service emit events, each becomes one
delivery per subscription, and a real Huey consumer sends them, signed, to a local receiver.

    python bench/webhooks.py --db sqlite
    python bench/webhooks.py --db postgresql --deliveries 2000 --threads 4
    python bench/webhooks.py --db postgresql --redis redis://127.0.0.1:6379/7

Each run starts from an empty database of its own (a SQLite file under --data-root, or the PostgreSQL database
guanxi_webhook_bench) and a fresh queue (Huey's SQLite file, or the Redis database named by --redis). The
receiver is a threaded HTTP/1.1 server on 127.0.0.1 in its own process, answering 200 at once. First the
customers are saved (deliveries recorded and queued, no worker running), then the consumer starts with
--threads worker threads and the clock runs until every delivery is finished. Prints a markdown row:
deliveries per second, p50/p95 of the HTTP send (the duration each delivery records), and failures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BIN = Path(sys.executable).parent
PG_DATABASE = "guanxi_webhook_bench"


def environment(args) -> dict[str, str]:
    env = dict(os.environ)
    env["GUANXI_DATA_DIR"] = str(args.data_root / args.db)
    env.pop("GUANXI_TEST_DATABASE_URL", None)
    env.pop("GUANXI_JOBS_IMMEDIATE", None)
    if args.redis:
        env["GUANXI_REDIS_URL"] = args.redis
    else:
        env.pop("GUANXI_REDIS_URL", None)
    if args.db == "postgresql":
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


# -- the receiver, in its own process so it does not share the workers' interpreter --


class Accept(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a load balancer would be
    disable_nagle_algorithm = True  # answers at once, as production servers do

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args) -> None:
        pass


def receive(port_file: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    server.daemon_threads = True
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


# -- the measured part, in a process set up for the bench database --


def inner(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import connection, transaction
    from huey.contrib.djhuey import HUEY

    from guanxi.automation.webhooks import services
    from guanxi.automation.webhooks.models import Delivery
    from guanxi.automation.webhooks.registry import api_view, register_webhook_resource
    from guanxi.core.system import SYSTEM
    from guanxi.customers import selectors
    from guanxi.customers import services as customer_services
    from guanxi.customers.models import Customer
    from guanxi.customers.schemas import CustomerOut
    from guanxi.org.models import Department, User

    # Customers as the customers app registers them (the same schema the API answers with).
    register_webhook_resource("customer", model=Customer, label="客户", serialize=api_view(CustomerOut),
                              load=lambda pk: selectors.customer_get(actor=SYSTEM, id=pk), events=["created"])
    hq = Department.objects.create(name="总部")
    hq.path = Department.path_segment(hq.pk)
    hq.save(update_fields=["path"])
    admin = User.objects.create_user(username="bench", password="bench-bench-2026", display_name="基准",
                                     department=hq, is_superuser=True, is_staff=True)
    url = f"http://127.0.0.1:{args.port}/hooks"
    for n in range(args.subscriptions):
        services.subscription_create(actor=admin, data={"name": f"接收方 {n + 1}", "target_url": url,
                                                        "event_types": ["customer.created"]})
    HUEY.storage.flush_queue()
    HUEY.storage.flush_schedule()
    customers = -(-args.deliveries // args.subscriptions)
    started = time.perf_counter()
    for n in range(customers):
        with transaction.atomic():
            customer_services.customer_create(actor=admin, data={"name": f"基准测试客户{n:06d}有限公司",
                                                                 "owner": admin, "phone": f"1381234{n:04d}"})
    queued_s = time.perf_counter() - started
    total = Delivery.objects.count()

    consumer = HUEY.create_consumer(workers=args.threads, worker_type="thread", periodic=False,
                                    initial_delay=0.01, max_delay=0.1)
    started = time.perf_counter()
    consumer.start()
    try:
        while Delivery.objects.filter(finished_at__isnull=True).exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        consumer.stop(graceful=True)
    durations = sorted(d for d in Delivery.objects.values_list("duration_ms", flat=True) if d is not None)
    failures = Delivery.objects.exclude(status="succeeded").count()
    cuts = statistics.quantiles(durations, n=100)
    queue_kind = "redis" if args.redis else "sqlite"
    print(f"| {connection.vendor} | {queue_kind} | {total:,} | {args.subscriptions} | {args.threads} | "
          f"{queued_s:.1f} | {elapsed:.1f} | {total / elapsed:,.0f} | {cuts[49]:.0f} | {cuts[94]:.0f} | "
          f"{failures} | {os.getloadavg()[0]:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--deliveries", type=int, default=2_000)
    parser.add_argument("--subscriptions", type=int, default=4, help="each customer is sent to every one")
    parser.add_argument("--threads", type=int, default=4, help="Huey worker threads")
    parser.add_argument("--redis", default="", help="queue on this Redis URL instead of Huey's SQLite file")
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/webhook-bench"))
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--receiver", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        receive(args.receiver)
        return
    if args.inner:
        inner(args)
        return
    env = environment(args)
    fresh_database(args.db, env)
    port_file = Path(env["GUANXI_DATA_DIR"]) / "receiver.port"
    receiver = subprocess.Popen([sys.executable, __file__, "--receiver", str(port_file)])
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        print("| database | queue | deliveries | subscriptions | worker threads | save + queue s | send s | "
              "deliveries/s | p50 send ms | p95 send ms | failures | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
        subprocess.run([sys.executable, __file__, *sys.argv[1:], "--inner", "--port", port_file.read_text()], env=env,
                       check=True)
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
