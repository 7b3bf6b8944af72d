"""Builds the GB2312 print fonts from the installed Noto CJK faces (documents.print_fonts); `make install`
runs it. Safe to run again: each font is replaced atomically, and a font whose source changed is rebuilt."""
import time

from django.core.management.base import BaseCommand

from documents import print_fonts


class Command(BaseCommand):
    help = "Cut the installed Noto CJK SC faces down to GB2312 for faster PDF rendering (about a minute)."

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true",
                            help="build only when a font is missing or older than its source")

    def handle(self, *args, if_missing=False, **options):
        directory = print_fonts.font_dir()
        if if_missing and len(print_fonts.usable_fonts(directory, quiet=True)) == len(print_fonts.FACES):
            self.stdout.write(f"print fonts are up to date in {directory}")
            return
        started = time.monotonic()
        written = print_fonts.build(directory)
        for path in written:
            self.stdout.write(f"built {path}")
        self.stdout.write(f"{len(written)} of {len(print_fonts.FACES)} print fonts in {time.monotonic() - started:.0f} s")
