"""Benchmark Guanxi over HTTP against the production server, at up to a million customers.

    python bench/run.py --db sqlite --customers 1000000
    python bench/run.py --db postgresql --customers 1000000

Seeds the database with `guanxi demo` (or reuses one already seeded under --data-root), starts
`guanxi serve` on a free port of 127.0.0.1, signs in as an administrator and as a seller, and times
each scenario: at least --requests requests, each scenario bounded by --seconds. Prints a markdown
table and writes it to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from pypinyin import lazy_pinyin

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PASSWORD = "guanxi-demo"
ADMIN, SELLER = "admin", "wangfang"
LIST_BUDGET, DETAIL_BUDGET, SALES_BUDGET = 100.0, 50.0, 150.0


@dataclass
class Result:
    name: str
    user: str
    budget: float
    timings: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    def quantile(self, q: float) -> float:
        if len(self.timings) < 2:
            return self.timings[0] if self.timings else float("nan")
        return statistics.quantiles(self.timings, n=100, method="inclusive")[int(q * 100) - 1]

    def row(self) -> str:
        p95 = self.quantile(0.95)
        verdict = "✅" if p95 < self.budget and not self.errors else "❌"
        label = f"{self.name} {self.note}".strip()
        return (f"| {label} | {self.user} | {len(self.timings)} | {self.errors} | {self.quantile(0.5):.1f} | "
                f"{p95:.1f} | < {self.budget:.0f} | {verdict} |")


# -- environment and database --


def environment(db: str, customers: int, data_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GUANXI_DATA_DIR"] = str(data_root / f"{db}-{customers}")
    env.pop("GUANXI_TEST_DATABASE_URL", None)
    if db == "postgresql":
        env["GUANXI_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/guanxi_bench_{customers}"
    else:
        env.pop("GUANXI_DATABASE_URL", None)
    return env


def guanxi(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run([str(BIN / "guanxi"), *args], env=env, check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)
    return done.stdout or ""


def probe(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([sys.executable, str(HERE / "probe.py"), *args], env=env, check=True, text=True,
                          stdout=subprocess.PIPE)
    return json.loads(done.stdout)


def prepare_database(db: str, customers: int, env: dict[str, str], follow_ups: float) -> None:
    if db == "postgresql":
        name = env["GUANXI_DATABASE_URL"].rsplit("/", 1)[1]
        exists = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                                 f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                                check=True, text=True, stdout=subprocess.PIPE).stdout.strip()
        if not exists:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    Path(env["GUANXI_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    guanxi(env, "migrate", "--noinput", "-v", "0")
    have = probe(env, "count")["customers"]
    if have >= customers:
        print(f"Reusing the {db} database with {have} customers.", flush=True)
        return
    if have:
        sys.exit(f"The {db} database has {have} customers, fewer than {customers}; remove it to seed again.")
    print(f"Seeding {customers} customers into {db}…", flush=True)
    guanxi(env, "demo", "--customers", str(customers), "--follow-ups", str(follow_ups))


def prepare_sales(env: dict[str, str]) -> None:
    """A database seeded before the sales side existed gets its opportunities, contracts and pool now."""
    guanxi(env, "demo", "--add-sales")


# -- server --


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen([str(BIN / "guanxi"), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers), "--no-migrate"], env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            sys.exit("The server stopped before answering.")
        time.sleep(0.3)
    server.terminate()
    sys.exit("The server did not answer within 90 s.")


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    client.get("/login/")
    token = client.cookies.get("csrftoken", "")
    response = client.post("/login/", data={"username": username, "password": PASSWORD,
                                            "csrfmiddlewaretoken": token}, headers={"Referer": f"{base}/login/"})
    if response.status_code != 302:
        sys.exit(f"Signing in as {username} failed ({response.status_code}).")
    return client


def api_client(base: str, env: dict[str, str], username: str) -> httpx.Client:
    secret = guanxi(env, "token", "create", "--user", username, "--name", "bench", "--days", "1",
                    capture=True).strip()
    return httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {secret}"})


# -- what to ask for --


def name_queries(names: list[str]) -> list[str]:
    """What sellers type: the trade name of a company (腾远 in 深圳市腾远电子科技有限公司) in Chinese,
    its pinyin or its initials; a person's name."""
    from guanxi.demo.vocabulary import REGIONS

    city = re.compile("^(" + "|".join(sorted({c for _p, c, _a, _d in REGIONS}, key=len, reverse=True)) + ")市?")
    queries: list[str] = []
    for i, name in enumerate(names):
        trade = city.sub("", name)[:2] or name[:2]
        syllables = lazy_pinyin(trade)
        style = i % 3
        queries.append(trade if style == 0 else "".join(syllables) if style == 1 else "".join(s[0] for s in syllables))
    return queries


def phone_queries(phones: list[str]) -> list[str]:
    """The same numbers written the ways people write them."""
    out = []
    for i, phone in enumerate(phones):
        digits = re.sub(r"\D", "", phone)
        if digits.startswith("86") and len(digits) > 11:
            digits = digits[2:]
        style = i % 3
        out.append(digits if style == 0 else f"+86 {digits.lstrip('0')}" if style == 1 else phone)
    return out


# -- timing --


def timed(result: Result, requests: int, seconds: float, call) -> Result:
    for i in range(5):  # warm the worker processes and their connections
        call(i)
    deadline = time.monotonic() + seconds
    for i in range(requests):
        if time.monotonic() > deadline:
            result.note += f"(stopped after {seconds:.0f} s)"
            break
        started = time.perf_counter()
        response = call(i + 5)
        result.timings.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            result.errors += 1
    return result


def search(query: str) -> str:
    return f"/customers/?{urlencode({'q': query})}"


def get(client: httpx.Client, paths: list[str]):
    return lambda i: client.get(paths[i % len(paths)])


def post(client: httpx.Client, path: str, bodies):
    return lambda i: client.post(path, json=bodies(i))


def missing(client: httpx.Client, path: str, method: str = "GET") -> bool:
    response = client.request(method, path, json={} if method == "POST" else None)
    return response.status_code in (404, 405) and "json" not in response.headers.get("content-type", "")


def fallback(env: dict[str, str], result: Result, user: str, method: str, paths: list[str],
             bodies: list[dict] | None = None) -> Result:
    """The same requests through Django's test client, without the HTTP server (labelled so)."""
    out = probe(env, "inprocess", "--user", user, "--method", method, "--paths", json.dumps(paths),
                "--bodies", json.dumps(bodies))
    result.timings, result.errors, result.note = out["timings"], out["errors"], "(in-process)"
    return result


def run(args: argparse.Namespace) -> list[Result]:
    env = environment(args.db, args.customers, Path(args.data_root))
    prepare_database(args.db, args.customers, env, args.follow_ups)
    prepare_sales(env)
    admin_sample = probe(env, "sample", "--user", ADMIN, "--size", "300", "--seed", "1")
    seller_sample = probe(env, "sample", "--user", SELLER, "--size", "300", "--seed", "2")
    deals = probe(env, "sales", "--user", SELLER, "--size", str(args.requests + 10))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    results: list[Result] = []
    try:
        admin, seller = signed_in(base, ADMIN), signed_in(base, SELLER)
        seller_api = api_client(base, env, SELLER)
        n, s = args.requests, args.seconds

        def measure(name: str, user: str, client: httpx.Client, paths: list[str], budget: float) -> None:
            result = Result(name, user, budget)
            if missing(client, paths[0]):
                results.append(fallback(env, result, user, "GET", paths))
            else:
                results.append(timed(result, n, s, get(client, paths)))
            print(results[-1].row(), flush=True)

        if args.only in ("all", "sales"):
            sales_scenarios(measure, admin, seller, seller_api, deals, results, n, s)
        if args.only == "sales":
            return results
        for user, client in ((ADMIN, admin), (SELLER, seller)):
            measure("customer list", user, client, ["/customers/"], LIST_BUDGET)
        measure("list, filtered by status", ADMIN, admin, ["/customers/?status=won"], LIST_BUDGET)
        measure("list, filtered by status", SELLER, seller, ["/customers/?status=intent"], LIST_BUDGET)
        for user, client, sample in ((ADMIN, admin, admin_sample), (SELLER, seller, seller_sample)):
            queries = name_queries(sample["names"])
            measure("search by name", user, client, [search(q) for q in queries], LIST_BUDGET)
        for user, client, sample in ((ADMIN, admin, admin_sample), (SELLER, seller, seller_sample)):
            phones = phone_queries(sample["phones"])
            measure("search by phone", user, client, [search(p) for p in phones], LIST_BUDGET)
        for user, client, sample in ((ADMIN, admin, admin_sample), (SELLER, seller, seller_sample)):
            measure("customer page (360°)", user, client, [f"/customers/{i}/" for i in sample["ids"]],
                    DETAIL_BUDGET)

        stamp = int(time.time())

        def new_customer(i: int) -> dict:
            return {"name": f"基准测试客户{stamp}-{i}", "phone": f"139{stamp % 10000:04d}{i % 10000:04d}",
                    "status": "potential"}

        def new_follow_up(i: int) -> dict:
            ids = seller_sample["ids"]
            return {"customer_id": ids[i % len(ids)], "kind": "call", "content": f"基准测试电话跟进 {i}"}

        for name, path, bodies in (("create customer (API)", "/api/v1/customers", new_customer),
                                   ("create follow-up (API)", "/api/v1/follow-ups", new_follow_up)):
            result = Result(name, SELLER, DETAIL_BUDGET)
            if missing(seller_api, path, "POST"):
                results.append(fallback(env, result, SELLER, "POST", [path] * n, [bodies(i) for i in range(n)]))
            else:
                results.append(timed(result, n, s, post(seller_api, path, bodies)))
            print(results[-1].row(), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def sales_scenarios(measure, admin: httpx.Client, seller: httpx.Client, seller_api: httpx.Client, deals: dict,
                    results: list[Result], n: int, s: float) -> None:
    """The issue's sales budget: kanban, pipeline summary and claiming from the pool, each p95 < 150 ms."""
    board = f"kanban ({deals['open']:,} open opportunities)"
    measure(board, ADMIN, admin, ["/opportunities/"], SALES_BUDGET)
    measure("kanban, own opportunities", SELLER, seller, ["/opportunities/"], SALES_BUDGET)
    measure(f"pipeline summary ({deals['opportunities']:,} opportunities)", ADMIN, admin, ["/opportunities/summary/"],
            SALES_BUDGET)
    measure("pipeline summary, own", SELLER, seller, ["/opportunities/summary/"], SALES_BUDGET)
    measure(f"customer pool list ({deals['pool']:,} customers)", SELLER, seller, ["/customers/pool/"], SALES_BUDGET)
    claimable = deals["claimable"]
    result = Result(f"claim from the pool ({deals['pool']:,} customers, API)", SELLER, SALES_BUDGET)
    results.append(timed(result, min(n, len(claimable) - 5), s,
                         lambda i: seller_api.post(f"/api/v1/customers/{claimable[i]}/claim")))
    print(results[-1].row(), flush=True)


def report(args: argparse.Namespace, results: list[Result]) -> str:
    header = (f"### {args.db}, {args.customers:,} customers — {dt.date.today().isoformat()}\n\n"
              f"`guanxi serve` (granian, {args.workers} workers) on {platform.machine()} with {os.cpu_count()} "
              f"CPUs; one client, requests one after another; times in ms.\n\n"
              "| scenario | user | requests | errors | p50 | p95 | budget (p95) | |\n"
              "|---|---|---:|---:|---:|---:|---:|---|\n")
    return header + "\n".join(r.row() for r in results) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--follow-ups", type=float, default=3.0, help="average follow-ups per customer")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario (at least)")
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit per scenario")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server worker processes")
    parser.add_argument("--data-root", default=os.environ.get("GUANXI_BENCH_DATA", "/work/bench-data"))
    parser.add_argument("--only", choices=["all", "customers", "sales"], default="all",
                        help="which scenarios: the customer pages, the sales ones, or both")
    args = parser.parse_args()
    results = run(args)
    table = report(args, results)
    print("\n" + table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{args.db}-{args.customers}-{dt.datetime.now():%Y%m%d-%H%M}.md"
    path.write_text(table, encoding="utf-8")
    print(f"Written to {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
