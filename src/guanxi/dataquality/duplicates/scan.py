"""The duplicate scan (查重扫描): every live customer and contact, compared only inside blocks, grouped
into connected components of pairs the matcher scores at or above its threshold.

Blocks, each read from the database in bounded chunks:
- customers with the same company key (the collision check's MatchKey rows, in key order), compared
  when their places agree;
- customers, and contacts, with the same phone or email (GROUP BY … HAVING COUNT(*) > 1), and
  customers with the same credit code when a custom field holds it;
- company keys a typo apart (see `Scanner.similar_company_keys`);
- contacts of one customer, and of the customers of one duplicate group, by surname or whole name.

Blocks bigger than `MAX_BLOCK` (a placeholder number typed for thousands of customers) say nothing and
are skipped. A pair a reviewer dismissed is never joined again. Memory holds one chunk of rows, the
union-find over records that matched, and the distinct company keys of the fuzzy pass.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Upper
from django.utils import timezone
from rapidfuzz import fuzz, process

from guanxi.dataquality.choices import MatchKind
from guanxi.dataquality.models import MatchKey

from . import records
from .choices import DuplicateEntity, ScanStatus
from .matcher import (
    FUZZY_AFFIX,
    FUZZY_KEY_SIMILARITY,
    PERSON,
    THRESHOLD,
    Match,
    Party,
    Reason,
    full_name_forms,
    person_keys,
    reason_weight,
    same_but_legal_form,
    score,
)
from .models import DuplicateDismissal, DuplicateGroup, DuplicateMember, DuplicateScan

CHUNK = 2000
# An exact block (phone, email, credit code, company key) with more records than this is skipped: fifty
# customers behind one number or address means a switchboard, an agent or a placeholder, not one party.
MAX_BLOCK = 50
# A block whose compatible pairs would exceed this many is skipped too.
MAX_BLOCK_PAIRS = 5000
# Distinct keys compared with each other at once in a fuzzy block; bigger blocks are split by one more character.
MAX_FUZZY_KEYS = 2000
# Keys up to this long are a typo apart only by one character more or less (see similar_company_keys);
# shorter than MIN_FUZZY_KEY + 1, a key with one character more is less than FUZZY_KEY_SIMILARITY alike.
LONG_KEY = 10
MIN_FUZZY_KEY = 5
# Customers whose ids fall in one range are read together for the contacts-of-one-customer pass.
CUSTOMER_RANGE = 2000
# Values looked up per query in the phone and email passes.
LOOKUP_BATCH = 500
# Evidence listed on a group, most frequent first.
GROUP_REASONS = 6


class Components:
    """Union-find over record ids, with each component's weakest joining score, the evidence seen, and
    what its members say they are (cities, credit codes, full names), so a weak link — a record with no
    city, a bare 张总 — never chains two records that contradict each other into one group."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.score: dict[int, float] = {}
        self.evidence: dict[int, dict[tuple[str, bool], list]] = {}
        self.traits: dict[int, Traits] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    def join(self, a: Party, b: Party, match: Match) -> None:
        ra, rb = self.find(a.id), self.find(b.id)
        if ra == rb:
            return
        ta = self.traits.get(ra) or Traits.of(a)
        tb = self.traits.get(rb) or Traits.of(b)
        weak = a.surname_only or b.surname_only
        # The pair's own score already weighed what its two records say; only a contradiction it did
        # not see (another member's city or code) keeps the components apart.
        if ta.contradicts(tb, weak_names=weak) and not Traits.of(a).contradicts(Traits.of(b), weak_names=weak):
            return
        ea, eb = self.evidence.get(ra, {}), self.evidence.get(rb, {})
        if len(ea) < len(eb):
            ra, rb, ea, eb = rb, ra, eb, ea
        self.parent[rb] = ra
        self.score[ra] = min(self.score.get(ra, 1.0), self.score.pop(rb, 1.0), match.score)
        for key, (count, value) in eb.items():
            _note(ea, key, count, value)
        for reason in match.reasons:
            _note(ea, (reason.code, reason.positive), 1, reason.value)
        self.evidence[ra] = ea
        self.evidence.pop(rb, None)
        self.traits[ra] = ta.union(tb)
        self.traits.pop(rb, None)

    def groups(self) -> Iterator[tuple[list[int], float, list[Reason]]]:
        members: dict[int, list[int]] = defaultdict(list)
        for x in self.parent:
            members[self.find(x)].append(x)
        for root, ids in members.items():
            if len(ids) < 2:
                continue
            evidence = self.evidence.get(root, {})
            ranked = sorted(evidence.items(), key=lambda kv: (not kv[0][1], -kv[1][0], -reason_weight(kv[0][0])))
            reasons = [Reason(code, positive, value) for (code, positive), (_n, value) in ranked[:GROUP_REASONS]]
            yield sorted(ids), self.score.get(root, 1.0), reasons


@dataclass(frozen=True)
class Traits:
    """What the members of a component say they are."""

    cities: frozenset[str]
    codes: frozenset[str]
    names: frozenset[str]  # full names, joined either way (zhangwei, weizhang)

    @classmethod
    def of(cls, p: Party) -> Traits:
        return cls(cities=frozenset([p.place]) if p.place_is_city else frozenset(),
                   codes=frozenset([p.code]) if p.code else frozenset(),
                   names=full_name_forms(p.name) if p.kind == PERSON else frozenset())

    def contradicts(self, other: Traits, *, weak_names: bool) -> bool:
        return ((bool(self.cities) and bool(other.cities) and not self.cities & other.cities)
                or (bool(self.codes) and bool(other.codes) and not self.codes & other.codes)
                or (weak_names and bool(self.names) and bool(other.names) and not self.names & other.names))

    def union(self, other: Traits) -> Traits:
        return Traits(self.cities | other.cities, self.codes | other.codes, self.names | other.names)


def _note(evidence: dict, key: tuple[str, bool], count: int, value: float | None) -> None:
    seen = evidence.get(key)
    if seen is None:
        evidence[key] = [count, value]
        return
    seen[0] += count
    if value is not None and (seen[1] is None or value < seen[1]):
        seen[1] = value


class Comparer:
    """Scores pairs of one entity and joins the duplicates, leaving dismissed pairs apart.

    A bare surname with a title (张总) is joined last, and only when everyone it matched turned out to
    be one person: at a customer with 张伟 and 张敏 it could be either, so it stays apart.
    """

    def __init__(self, dismissed: set[tuple[int, int]]):
        self.components = Components()
        self.dismissed = dismissed
        self.pairs = 0
        self.titled: dict[int, list[tuple[Party, Party, Match]]] = defaultdict(list)

    def finish(self) -> None:
        for edges in self.titled.values():
            partners = {self.components.find(other.id): other for _titled, other, _m in edges}
            names = [self.components.traits.get(root) or Traits.of(other) for root, other in partners.items()]
            people = [n.names for n in names if n.names]
            if any(not x & y for x, y in itertools.combinations(people, 2)):
                continue
            for titled, other, match in edges:
                self.components.join(titled, other, match)
        self.titled.clear()

    def compare(self, a: Party, b: Party) -> None:
        if a.id == b.id:
            return
        low, high = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if (low, high) in self.dismissed:
            return
        self.pairs += 1
        if score(a, b, explain=False).score < THRESHOLD:
            return
        match = score(a, b)
        if a.surname_only != b.surname_only:
            titled, other = (a, b) if a.surname_only else (b, a)
            self.titled[titled.id].append((titled, other, match))
            return
        self.components.join(a, b, match)

    def compare_all(self, parties: list[Party]) -> None:
        """Every pair of a block that shares one value (a phone, an email) and could reach the threshold."""
        for a, b in _worth_scoring(parties):
            self.compare(a, b)


def _worth_scoring(parties: list[Party]) -> Iterator[tuple[Party, Party]]:
    """Pairs of a block of one shared value that the matcher could call duplicates.

    Two companies whose names are less than 0.8 alike score below the threshold with one shared value
    and the same city (prior −1, names −2.5, value +2.5, city +0.5); only a second shared value — a
    phone, an email, an address — or a credit code could lift them. So rapidfuzz (in C) picks the pairs
    with alike names, and the second values are looked up; people are compared pair by pair.
    """
    if len(parties) <= 3 or any(p.kind == PERSON or not p.key or p.code for p in parties):
        yield from itertools.combinations(parties, 2)
        return
    wanted: set[tuple[int, int]] = set()
    keys = [p.key for p in parties]
    for i, key in enumerate(keys):
        for _other, _score, j in process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=80, limit=None):
            if j > i:
                wanted.add((i, j))
        wanted.update((i, j) for j in range(i + 1, len(keys)) if same_but_legal_form(key, keys[j]))
    second: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(parties):
        for value in p.phones:
            second[("phone", value)].append(i)
        for value in p.emails:
            second[("email", value)].append(i)
        if p.address:
            second[("address", p.address)].append(i)
    if sum(len(members) == len(parties) for members in second.values()) > 1:
        # Besides the value the block was made of, every member shares another one.
        yield from itertools.combinations(parties, 2)
        return
    for members in second.values():
        if 1 < len(members) < len(parties):
            wanted.update(itertools.combinations(members, 2))
    for i, j in sorted(wanted):
        yield parties[i], parties[j]


def compatible_pairs(parties: list[Party], place_of: Callable[[Party], tuple[str, bool]] | None = None
                     ) -> Iterator[tuple[Party, Party]] | None:
    """Pairs whose places do not contradict each other (same city, or one unknown, or a province and a
    city), or None when there are more than MAX_BLOCK_PAIRS of them."""
    place_of = place_of or (lambda p: (p.place, p.place_is_city))
    cities: dict[str, list[Party]] = defaultdict(list)
    provinces: dict[str, list[Party]] = defaultdict(list)
    unplaced: list[Party] = []
    for p in parties:
        place, is_city = place_of(p)
        (cities[place] if place and is_city else provinces[place] if place else unplaced).append(p)
    placed = [p for group in (*cities.values(), *provinces.values()) for p in group]
    in_cities = sum(len(g) for g in cities.values())
    n_pairs = (sum(len(g) * (len(g) - 1) // 2 for g in (*cities.values(), *provinces.values()))
               + len(unplaced) * (len(unplaced) - 1) // 2 + len(unplaced) * len(placed)
               + sum(len(g) for g in provinces.values()) * in_cities)
    if n_pairs > MAX_BLOCK_PAIRS:
        return None

    def pairs() -> Iterator[tuple[Party, Party]]:
        for group in (*cities.values(), *provinces.values()):
            yield from itertools.combinations(group, 2)
        yield from itertools.combinations(unplaced, 2)
        yield from itertools.product(unplaced, placed)
        city_members = [p for g in cities.values() for p in g]
        for group in provinces.values():
            yield from itertools.product(group, city_members)

    return pairs()


@dataclass
class Totals:
    customers: int = 0
    contacts: int = 0
    skipped_blocks: int = 0


class Scanner:
    """One scan over the whole database; `progress(done, total)` is called as it goes."""

    def __init__(self, *, progress: Callable[[int, int], None] | None = None):
        self.progress = progress or (lambda done, total: None)
        self.customers = Comparer(_dismissed(DuplicateEntity.CUSTOMER))
        self.contacts = Comparer(_dismissed(DuplicateEntity.CONTACT))
        self.totals = Totals()
        self.code_field = records.credit_code_field()
        self.done = 0
        self.total = 1

    def run(self) -> None:
        self.totals.customers = records.live(DuplicateEntity.CUSTOMER).count()
        self.totals.contacts = records.live(DuplicateEntity.CONTACT).count()
        self.total = max(1, self.totals.customers + self.totals.contacts)
        self.progress(0, self.total)
        self.company_name_blocks()
        self.contacts_of_each_customer()
        self.customer_value_blocks()
        self.contact_value_blocks()
        self.similar_company_keys()
        self.customers.finish()
        self.contacts_across_duplicate_customers()
        self.contacts.finish()
        self.progress(self.total, self.total)

    def tick(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        self.progress(self.done, self.total)

    # -- customers with the same company key --

    def company_name_blocks(self) -> None:
        pending: list[tuple[str, list[int]]] = []
        waiting = 0
        for value, ids in self._key_blocks():
            pending.append((value, ids))
            waiting += len(ids)
            if waiting >= CHUNK:
                self._compare_name_blocks(pending)
                self.tick(waiting)
                pending, waiting = [], 0
        self._compare_name_blocks(pending)
        self.tick(waiting)

    def _key_blocks(self) -> Iterator[tuple[str, list[int]]]:
        """(company key, customer ids) of every key two or more customers share, in key order.

        Read in chunks of whole keys, ordered by the (kind, value) index alone so each chunk is a
        range read; the last key of a full chunk may be cut short, so it is read again with the next.
        """
        rows_of = MatchKey.objects.filter(entity=records.CUSTOMER_ENTITY, kind=MatchKind.NAME)
        after = None
        while True:
            qs = rows_of if after is None else rows_of.filter(value__gt=after)
            rows = list(qs.order_by("value").values_list("value", "object_id")[:CHUNK])
            if not rows:
                return
            full = len(rows) == CHUNK
            if full and rows[0][0] == rows[-1][0]:
                # One key fills the chunk: read it on its own, as far as a block may go.
                value = rows[0][0]
                ids = list(rows_of.filter(value=value).values_list("object_id", flat=True)[:MAX_BLOCK + 1])
                if len(ids) > MAX_BLOCK:
                    self.totals.skipped_blocks += 1
                else:
                    yield value, ids
                after = value
                continue
            if full:
                last = rows[-1][0]
                rows = [r for r in rows if r[0] != last]
            for value, group in itertools.groupby(rows, key=lambda r: r[0]):
                ids = [object_id for _v, object_id in group]
                if len(ids) > MAX_BLOCK:
                    self.totals.skipped_blocks += 1
                elif len(ids) > 1:
                    yield value, ids
            after = rows[-1][0]
            if not full:
                return

    def _compare_name_blocks(self, blocks: list[tuple[str, list[int]]]) -> None:
        if not blocks:
            return
        keys = {pk: value for value, ids in blocks for pk in ids}
        parties = records.customer_parties(keys, keys=keys, code_field=self.code_field)
        for _value, ids in blocks:
            members = [parties[pk] for pk in ids if pk in parties]
            pairs = compatible_pairs(members)
            if pairs is None:
                self.totals.skipped_blocks += 1
                continue
            for a, b in pairs:
                self.customers.compare(a, b)

    # -- contacts of customers found to be duplicates --

    def contacts_across_duplicate_customers(self) -> None:
        """Contacts of the customers in one duplicate group are people at one company: 张伟 entered under
        both records is compared across them (by surname or whole name), as at a single customer."""
        batch: list[list[int]] = []
        size = 0
        for ids, _score, _reasons in self.customers.components.groups():
            batch.append(ids)
            size += len(ids)
            if size >= CHUNK:
                self._contacts_of_groups(batch)
                batch, size = [], 0
        self._contacts_of_groups(batch)

    def _contacts_of_groups(self, groups: list[list[int]]) -> None:
        if not groups:
            return
        by_customer: dict[int, list[tuple]] = defaultdict(list)
        wanted = [pk for ids in groups for pk in ids]
        for row in records.live(DuplicateEntity.CONTACT).filter(customer_id__in=records.id_list(wanted)).values_list(
                *records.CONTACT_FIELDS):
            by_customer[row[1]].append(row)
        for ids in groups:
            rows = [row for pk in ids for row in by_customer.get(pk, ())]
            self._compare_contacts(rows, f"#group:{ids[0]}", _across_customers)

    def _compare_contacts(self, rows: list[tuple], company_key: str,
                          wanted: Callable[[Party, Party], bool] | None = None) -> None:
        """Contacts (rows of records.CONTACT_FIELDS) of one company, compared within each person block when
        `wanted` says so; a party is built only for contacts that share a block with another."""
        if len(rows) < 2:
            return
        if len(rows) <= 3:
            # Most customers have two or three contacts with different surnames: settle that cheaply.
            keys = [person_keys(row[2]) for row in rows]
            if not any(x & y for x, y in itertools.combinations(keys, 2)):
                return
        by_person: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            for key in person_keys(row[2]):
                by_person[key].append(row)
        built: dict[int, Party] = {}
        seen: set[tuple[int, int]] = set()
        for block in by_person.values():
            if len(block) < 2:
                continue
            if len(block) > MAX_BLOCK:
                self.totals.skipped_blocks += 1
                continue
            people = [built.get(row[0]) or built.setdefault(row[0], records.contact_from_row(row, company_key))
                      for row in block]
            for a, b in itertools.combinations(people, 2):
                pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if pair in seen or (wanted is not None and not wanted(a, b)):
                    continue
                seen.add(pair)
                self.contacts.compare(a, b)

    # -- contacts of one customer --

    def contacts_of_each_customer(self) -> None:
        """Contacts of each customer compared by surname (张伟 and 张总) or whole name (xuyong and 徐勇)."""
        top = records.live(DuplicateEntity.CUSTOMER).aggregate(top=Max("id"))["top"] or 0
        contacts = records.live(DuplicateEntity.CONTACT)
        for start in range(0, top, CUSTOMER_RANGE):
            rows = list(contacts.filter(customer_id__gt=start, customer_id__lte=start + CUSTOMER_RANGE)
                        .order_by("customer_id").values_list(*records.CONTACT_FIELDS))
            for _customer, group in itertools.groupby(rows, key=lambda r: r[1]):
                self._compare_contacts(list(group), "")
            self.tick(len(rows))

    # -- the same phone, email or credit code --

    def customer_value_blocks(self) -> None:
        customers = records.live(DuplicateEntity.CUSTOMER)
        self._value_blocks(customers.exclude(phone_e164=""), "phone_e164", self._customers_with("phone_e164"))
        self._value_blocks(customers.exclude(email=""), "email", self._customers_with("email"))
        if self.code_field:
            coded = customers.annotate(code=Upper(KT(f"custom__{self.code_field}"))).filter(code__isnull=False)
            self._value_blocks(coded.exclude(code=""), "code", self._customers_with("code", coded))

    def _customers_with(self, field: str, qs=None) -> Callable[[list[str]], Iterable[list[Party]]]:
        def read(values: list[str]) -> Iterable[list[Party]]:
            source = qs if qs is not None else records.live(DuplicateEntity.CUSTOMER)
            found = list(source.filter(**{f"{field}__in": values}).values_list("id", field))
            ids = {pk for pk, _v in found}
            parties = records.customer_parties(ids, keys=records.company_keys(ids), code_field=self.code_field)
            blocks: dict[str, list[Party]] = defaultdict(list)
            for pk, value in found:
                if pk in parties:
                    blocks[value].append(parties[pk])
            return blocks.values()

        return read

    def _value_blocks(self, qs, field: str, read: Callable[[list[str]], Iterable[list[Party]]],
                      comparer: Comparer | None = None) -> None:
        """Values of `field` two to MAX_BLOCK records share (one GROUP BY), then their records in batches."""
        comparer = comparer or self.customers
        counted = qs.order_by().values(field).annotate(n=Count("id")).filter(n__gt=1).values_list(field, "n")
        values = []
        for value, n in counted.iterator(chunk_size=CHUNK):
            if n > MAX_BLOCK:
                self.totals.skipped_blocks += 1
            else:
                values.append(value)
        for start in range(0, len(values), LOOKUP_BATCH):
            for block in read(values[start:start + LOOKUP_BATCH]):
                comparer.compare_all(block)

    def contact_value_blocks(self) -> None:
        """Contacts sharing a number (as mobile or desk phone) or an email."""
        for value_batch in _batches(self._shared_contact_numbers(), LOOKUP_BATCH):
            parties = records.contact_parties(Q(mobile_e164__in=value_batch) | Q(phone_e164__in=value_batch))
            wanted = set(value_batch)
            blocks: dict[str, list[Party]] = defaultdict(list)
            for p in parties:
                for number in p.phones & wanted:
                    blocks[number].append(p)
            for block in blocks.values():
                self.contacts.compare_all(block)

        def read_emails(values: list[str]) -> Iterable[list[Party]]:
            blocks: dict[str, list[Party]] = defaultdict(list)
            for p in records.contact_parties(Q(email__in=values)):
                for email in p.emails:
                    blocks[email].append(p)
            return blocks.values()

        contacts = records.live(DuplicateEntity.CONTACT)
        self._value_blocks(contacts.exclude(email=""), "email", read_emails, self.contacts)

    def _shared_contact_numbers(self) -> list[str]:
        """Numbers on two to MAX_BLOCK live contacts, as mobile or desk phone: one GROUP BY over both columns."""
        contacts = records.live(DuplicateEntity.CONTACT)
        mobiles = contacts.exclude(mobile_e164="").values_list("mobile_e164", flat=True)
        desks = contacts.exclude(phone_e164="").values_list("phone_e164", flat=True)
        mobile_sql, mobile_params = mobiles.query.sql_with_params()
        desk_sql, desk_params = desks.query.sql_with_params()
        sql = (f"SELECT num, COUNT(*) FROM (SELECT m.mobile_e164 AS num FROM ({mobile_sql}) m "
               f"UNION ALL SELECT d.phone_e164 FROM ({desk_sql}) d) numbers GROUP BY num HAVING COUNT(*) > 1")
        values = []
        with connection.cursor() as cursor:
            cursor.execute(sql, [*mobile_params, *desk_params])
            for number, n in cursor.fetchall():
                if n > MAX_BLOCK:
                    self.totals.skipped_blocks += 1
                else:
                    values.append(number)
        return values

    # -- company keys a typo apart --

    def similar_company_keys(self) -> None:
        """Company keys a typo apart, then their customers compared like a name block of their own.

        Below `LONG_KEY` characters a ratio of 0.9 allows one inserted or dropped character and nothing
        else, so the shorter key is the longer with one character deleted: a set lookup per character.
        Longer keys (English names) are compared with rapidfuzz within blocks of the same first and of the
        same last characters; a misspelt legal form (…有限易任) follows its key in key order.
        """
        keys: set[str] = set()
        long_by_head: dict[str, list[str]] = defaultdict(list)
        long_by_tail: dict[str, list[str]] = defaultdict(list)
        alike: list[tuple[str, str]] = []
        previous: list[str] = []
        for key in self._distinct_keys():
            keys.add(key)
            # Keys that start with an earlier one sit right after it: …有限易任 after its key.
            while previous and not key.startswith(previous[-1]):
                previous.pop()
            alike.extend((p, key) for p in previous if same_but_legal_form(p, key))
            previous.append(key)
            if len(key) >= LONG_KEY - 1:
                long_by_head[key[:FUZZY_AFFIX]].append(key)
                long_by_tail[key[-FUZZY_AFFIX:]].append(key)
        for key in keys:
            if MIN_FUZZY_KEY < len(key) <= LONG_KEY:
                alike.extend((key[:i] + key[i + 1:], key) for i in range(len(key))
                             if key[:i] + key[i + 1:] in keys)
        for blocks, tail in ((long_by_head, False), (long_by_tail, True)):
            for block in blocks.values():
                alike.extend(_alike_long_keys(block, tail))
        alike = sorted({(a, b) if a < b else (b, a) for a, b in alike if a != b})
        for start in range(0, len(alike), LOOKUP_BATCH):
            self._compare_key_pairs(alike[start:start + LOOKUP_BATCH])

    def _distinct_keys(self) -> Iterator[str]:
        rows_of = MatchKey.objects.filter(entity=records.CUSTOMER_ENTITY, kind=MatchKind.NAME)
        after = None
        while True:
            qs = rows_of if after is None else rows_of.filter(value__gt=after)
            keys = list(qs.order_by("value").values_list("value", flat=True).distinct()[:CHUNK])
            yield from keys
            if len(keys) < CHUNK:
                return
            after = keys[-1]

    def _compare_key_pairs(self, pairs: list[tuple[str, str]]) -> None:
        if not pairs:
            return
        wanted = {k for pair in pairs for k in pair}
        ids_by_key: dict[str, list[int]] = defaultdict(list)
        rows = MatchKey.objects.filter(entity=records.CUSTOMER_ENTITY, kind=MatchKind.NAME, value__in=wanted)
        for value, pk in rows.values_list("value", "object_id"):
            ids_by_key[value].append(pk)
        keys = {pk: value for value, ids in ids_by_key.items() for pk in ids}
        parties = records.customer_parties(keys, keys=keys, code_field=self.code_field)
        for first, second in set(pairs):
            ones = [parties[pk] for pk in ids_by_key.get(first, ()) if pk in parties]
            others = [parties[pk] for pk in ids_by_key.get(second, ()) if pk in parties]
            if len(ones) * len(others) > MAX_BLOCK_PAIRS:
                self.totals.skipped_blocks += 1
                continue
            for a in ones:
                for b in others:
                    self.customers.compare(a, b)


def _alike_long_keys(keys: list[str], tail: bool, width: int = FUZZY_AFFIX) -> list[tuple[str, str]]:
    """Pairs of long keys in one block (same first, or with `tail` last, `width` characters) at least
    FUZZY_KEY_SIMILARITY alike."""
    if len(keys) < 2:
        return []
    if len(keys) > MAX_FUZZY_KEYS:
        # Split by one more character; a typo in it is left to the block of the other end.
        split: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            split[key[-width - 1:] if tail else key[:width + 1]].append(key)
        if len(split) == 1:
            return []
        return [pair for block in split.values() for pair in _alike_long_keys(block, tail, width + 1)]
    cutoff = FUZZY_KEY_SIMILARITY * 100
    found = []
    for i, key in enumerate(keys):
        for other, _score, _index in process.extract(key, keys[i + 1:], scorer=fuzz.ratio, score_cutoff=cutoff,
                                                      limit=None):
            found.append((key, other))
    return found


def _across_customers(a: Party, b: Party) -> bool:
    return a.customer_id != b.customer_id


def _batches(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _dismissed(entity: str) -> set[tuple[int, int]]:
    rows = DuplicateDismissal.objects.filter(entity=entity).values_list("first_id", "second_id")
    return set(rows.iterator(chunk_size=10_000))


# -- writing what was found --


def write_groups(scan: DuplicateScan, scanner: Scanner) -> None:
    """Replace the groups of earlier scans with this one's, in one transaction."""
    with transaction.atomic():
        counts = {}
        for entity, comparer in ((DuplicateEntity.CUSTOMER, scanner.customers),
                                 (DuplicateEntity.CONTACT, scanner.contacts)):
            counts[entity] = 0
            batch: list[DuplicateGroup] = []
            for ids, group_score, reasons in comparer.components.groups():
                batch.append(DuplicateGroup(scan=scan, entity=entity, member_ids=ids, size=len(ids),
                                            score=group_score, reasons=[r.as_json() for r in reasons]))
                if len(batch) >= 1000:
                    counts[entity] += _save(batch)
                    batch = []
            counts[entity] += _save(batch)
        DuplicateScan.objects.filter(pk=scan.pk).update(
            status=ScanStatus.DONE, finished_at=timezone.now(), customers=scanner.totals.customers,
            contacts=scanner.totals.contacts, pairs=scanner.customers.pairs + scanner.contacts.pairs,
            customer_groups=counts[DuplicateEntity.CUSTOMER], contact_groups=counts[DuplicateEntity.CONTACT],
            skipped_blocks=scanner.totals.skipped_blocks)
        _forget_earlier_groups(scan)


def _save(batch: list[DuplicateGroup]) -> int:
    if not batch:
        return 0
    created = DuplicateGroup.objects.bulk_create(batch)
    DuplicateMember.objects.bulk_create(
        [DuplicateMember(group_id=g.pk, object_id=pk) for g in created for pk in g.member_ids], batch_size=5000)
    return len(created)


def _forget_earlier_groups(scan: DuplicateScan) -> None:
    """Groups of earlier scans go (their dismissals live on as pairs), in two plain DELETEs rather
    than Django's cascade, which would read every group into memory first."""
    qn = connection.ops.quote_name
    groups, members = DuplicateGroup._meta.db_table, DuplicateMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(members)} WHERE {qn('group_id')} IN "
                       f"(SELECT {qn('id')} FROM {qn(groups)} WHERE {qn('scan_id')} <> %s)", [scan.pk])
        cursor.execute(f"DELETE FROM {qn(groups)} WHERE {qn('scan_id')} <> %s", [scan.pk])
