"""Finding the users and records a row names by their name, for the entities' bulk checks: one query
for a whole chunk, however many rows name someone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet


def users_by_name(users: QuerySet, names: Iterable[str]) -> dict[str, list]:
    """User name (any case) or display name → the users among `users` so called; more than one means
    the name is ambiguous."""
    wanted = {n.strip() for n in names if n and n.strip()}
    if not wanted:
        return {}
    found: dict[str, list] = defaultdict(list)
    lowered = {n.casefold(): n for n in wanted}
    condition = Q(display_name__in=wanted) | Q(username__in=wanted) | Q(username__in=list(lowered))
    for user in users.filter(condition):
        for key in {user.display_name, user.username, lowered.get(user.username.casefold(), "")}:
            if key in wanted and user not in found[key]:
                found[key].append(user)
    return dict(found)
