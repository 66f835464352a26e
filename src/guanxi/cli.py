"""The `guanxi` command: serve, migrate, setup, demo, token, check, and every Django command.

`guanxi serve` runs the production server (granian, WSGI); the other subcommands are
Django management commands, so `guanxi help` lists them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def _serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="guanxi serve", description="Run the production web server.")
    parser.add_argument("--host", default=os.environ.get("GUANXI_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GUANXI_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUANXI_WORKERS", os.cpu_count() or 1)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUANXI_THREADS", "4")))
    parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    parser.add_argument("--worker", choices=["auto", "on", "off"],
                        default=os.environ.get("GUANXI_SERVE_WORKER", "auto"),
                        help="also run background jobs (auto: unless Redis holds the queue)")
    args = parser.parse_args(argv)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation
    from django.utils.translation import gettext as _

    django.setup()
    translation.activate(settings.LANGUAGE_CODE)
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{args.host}:{args.port}/"
    print(_("Guanxi is serving on %(url)s  (Ctrl+C stops it)") % {"url": url}, flush=True)
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", args.host, "--port", str(args.port),
        "--workers", str(args.workers), "--blocking-threads", str(args.threads),
        "--no-ws", "--log-level", "warning",
        "guanxi.wsgi:application",
    ]
    # Embedded, the jobs queue is a SQLite file only this machine reads, so serve runs its worker;
    # with Redis, workers are started on their own (`guanxi worker`) wherever they are wanted.
    embedded = not os.environ.get("GUANXI_REDIS_URL")
    worker = None
    if args.worker == "on" or (args.worker == "auto" and embedded):
        worker = subprocess.Popen([sys.executable, "-m", "guanxi.cli", "worker"])
    server = subprocess.Popen(command)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        for child in (server, worker):
            if child is not None and child.poll() is None:
                child.terminate()
        for child in (server, worker):
            if child is not None:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    if argv and argv[0] == "serve":
        return _serve(argv[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guanxi", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
