"""Django-side helper of bench/run.py, run as a subprocess with the benchmark database's environment.

`python bench/probe.py count`            customers in the database
`python bench/probe.py sample --user U`  ids, names and phones to ask for, as JSON
`python bench/probe.py sales --user U`   deal counts and pool customers U may claim, as JSON
`python bench/probe.py inprocess ...`    time requests through Django's test client (fallback when a
                                         page or endpoint is not served yet)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")


def _setup() -> None:
    import django

    django.setup()


def count() -> dict:
    from guanxi.customers.models import Customer

    return {"customers": Customer.objects.count()}


def sample(username: str, size: int, seed: int) -> dict:
    """Customers the user can see, spread over the whole table (not only the newest)."""
    from guanxi.customers.models import Contact, Customer
    from guanxi.org.models import User

    rng = random.Random(seed)
    user = User.objects.get(username=username)
    last = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids: list[int] = []
    while len(ids) < size and last:
        wanted = {rng.randint(1, last) for _ in range(size * 20)}
        ids += list(Customer.objects.visible_to(user).filter(pk__in=wanted).values_list("id", flat=True))
    ids = ids[:size]
    rng.shuffle(ids)
    rows = list(Customer.objects.filter(pk__in=ids).values_list("id", "name", "phone"))
    mobiles = list(Contact.objects.filter(customer_id__in=ids).exclude(mobile="").values_list("mobile", flat=True))
    return {
        "ids": ids,
        "names": [name for _id, name, _phone in rows],
        "phones": [phone for _id, _name, phone in rows if phone] + mobiles,
    }


def sales(username: str, size: int) -> dict:
    """What the sales scenarios need: how many deals there are, and pool customers the user may claim."""
    from guanxi.customers.models import Customer, OwnershipEvent
    from guanxi.customers.pool.membership import member_pool_ids
    from guanxi.org.models import User
    from guanxi.sales.opportunities.models import Opportunity

    user = User.objects.get(username=username)
    pools = member_pool_ids(user)
    once_mine = OwnershipEvent.objects.filter(previous_owner=user).values("customer_id")
    claimable = list(Customer.objects.filter(owner__isnull=True, pool_id__in=pools, deleted_at__isnull=True)
                     .exclude(pk__in=once_mine).order_by("?").values_list("pk", flat=True)[:size])
    return {
        "opportunities": Opportunity.objects.count(),
        "open": Opportunity.objects.filter(status="open", deleted_at__isnull=True).count(),
        "pool": Customer.objects.filter(owner__isnull=True, pool_id__in=pools, deleted_at__isnull=True).count(),
        "claimable": claimable,
    }


def inprocess(username: str, method: str, paths: list[str], bodies: list[dict] | None) -> dict:
    """Latencies (ms) of requests made through Django's test client, signed in as `username`."""
    from django.test import Client

    from guanxi.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    timings, errors = [], 0
    for i, path in enumerate(paths):
        started = time.perf_counter()
        if method == "GET":
            response = client.get(path)
        else:
            body = (bodies or [{}])[i % len(bodies or [{}])]
            response = client.post(path, data=json.dumps(body), content_type="application/json")
        timings.append((time.perf_counter() - started) * 1000)
        errors += response.status_code >= 400
    return {"timings": timings, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["count", "sample", "sales", "inprocess"])
    parser.add_argument("--user", default="admin")
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--paths", default="[]")
    parser.add_argument("--bodies", default="null")
    args = parser.parse_args()
    _setup()
    if args.what == "count":
        result = count()
    elif args.what == "sample":
        result = sample(args.user, args.size, args.seed)
    elif args.what == "sales":
        result = sales(args.user, args.size)
    else:
        result = inprocess(args.user, args.method, json.loads(args.paths), json.loads(args.bodies))
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
