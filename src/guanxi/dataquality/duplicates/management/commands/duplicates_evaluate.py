"""`guanxi duplicates_evaluate`: precision and recall of the duplicate matcher over the labelled pairs."""

from pathlib import Path

from django.core.management.base import BaseCommand

from guanxi.dataquality.duplicates.evaluate import PAIRS, evaluate, report


class Command(BaseCommand):
    help = "Precision and recall of the duplicate matcher over the labelled pairs."

    def add_arguments(self, parser):
        parser.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
        parser.add_argument("--errors", action="store_true", help="list the pairs the matcher gets wrong")

    def handle(self, *args, **options):
        self.stdout.write(report(evaluate(options["pairs"]), errors=options["errors"]))
