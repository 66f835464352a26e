"""`guanxi serve` starts the production server (granian) that answers real HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_an_empty_data_directory_and_answers_health_and_sign_in(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(GUANXI_DATA_DIR=str(tmp_path), GUANXI_PORT=str(port), GUANXI_WORKERS="1")
    guanxi = Path(sys.executable).parent / "guanxi"
    server = subprocess.Popen([str(guanxi), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = (response.status, response.read())
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                time.sleep(0.3)
        assert health == (200, b'{"status": "ok"}')
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            page = response.read().decode()
        assert 'name="username"' in page
        # static files are served by the app itself (hashed names from the manifest)
        css = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css}", timeout=5) as response:
            assert response.status == 200 and b".topbar" in response.read()
        assert (tmp_path / "guanxi.sqlite3").exists()
        assert (tmp_path / "secret_key").exists()
    finally:
        server.terminate()
        server.wait(timeout=20)
