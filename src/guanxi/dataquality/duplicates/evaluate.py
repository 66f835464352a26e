"""Precision and recall of the duplicate matcher over the labelled pairs (tests/fixtures/pairs.csv).

    python -m guanxi.dataquality.duplicates.evaluate [--errors] [pairs.csv]

A pair counts as found only when the scan would compare it (it shares a blocking key) and scores it
at or above `matcher.THRESHOLD`, so the figures measure blocking and scoring together.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PAIRS = Path(__file__).resolve().parent / "tests" / "fixtures" / "pairs.csv"


@dataclass
class Evaluation:
    """Counts over the labelled pairs, overall and per category."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    by_category: Counter = field(default_factory=Counter)
    errors: list[tuple[dict, float, str, bool]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def pairs(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative


def party(row: dict, side: str):
    from .matcher import contact_party, customer_party

    def get(name: str) -> str:
        return row.get(f"{side}_{name}", "") or ""

    if row["entity"] == "contact":
        return contact_party(name=get("name"), customer_id=get("customer") or None, company=get("company"),
                             phones=[get("mobile"), get("phone")], emails=[get("email")])
    return customer_party(name=get("name"), kind=get("kind") or "company", region=get("region"),
                          address=get("address"), phones=[get("phone"), get("mobile")], emails=[get("email")],
                          credit_code_value=get("uscc"))


def evaluate(path: Path = PAIRS) -> Evaluation:
    from .matcher import is_candidate, score

    result = Evaluation()
    with open(path, newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            a, b = party(row, "a"), party(row, "b")
            blocked = is_candidate(a, b)
            match = score(a, b)
            found = blocked and match.is_duplicate
            label = row["label"] == "1"
            if label and found:
                result.true_positive += 1
            elif label:
                result.false_negative += 1
            elif found:
                result.false_positive += 1
            else:
                result.true_negative += 1
            result.by_category[(row["entity"], row["category"], label, found == label)] += 1
            if found != label:
                result.errors.append((row, match.score, str(match), blocked))
    return result


def report(result: Evaluation, *, errors: bool = False) -> str:
    lines = [f"pairs {result.pairs}: precision {result.precision:.3f}, recall {result.recall:.3f} "
             f"(tp {result.true_positive}, fp {result.false_positive}, fn {result.false_negative}, "
             f"tn {result.true_negative})"]
    categories = sorted({(e, c, label) for e, c, label, _ok in result.by_category})
    for entity, category, label in categories:
        right = result.by_category[(entity, category, label, True)]
        wrong = result.by_category[(entity, category, label, False)]
        lines.append(f"  {entity:8} {'dup' if label else 'not':3} {category:36} {right:3}/{right + wrong:3}")
    if errors:
        for row, value, why, blocked in result.errors:
            lines.append(f"  ✗ #{row['pair_id']} {row['category']} label={row['label']} score={value:.2f} "
                         f"{'' if blocked else '[not blocked] '}{row['a_name']} | {row['b_name']} — {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Precision and recall of the duplicate matcher.")
    parser.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
    parser.add_argument("--errors", action="store_true", help="list the pairs the matcher gets wrong")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    import django

    django.setup()
    print(report(evaluate(args.pairs), errors=args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
