"""Start the app: Solara's server in a child process, bound to 127.0.0.1 unless another host is asked for.

``python run.py app [--host H] [--port P]`` runs ``solara run
niche_abm.app.page`` in production mode, without opening a browser, without
Solara's version check and telemetry (both call the internet), waits until the
page answers and prints its address. The front end is served from the
solara-assets package, so the page works with no network at all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE = "niche_abm.app.page"
STARTUP_TIMEOUT_S = 60.0
QUIET_WARNINGS = (
    "-W",
    "ignore::UserWarning:solara.server.starlette",
    "-W",
    "ignore::UserWarning:solara.validate_hooks",
)
"""Solara warns on every page load that plain-http cookies fall back to samesite=lax (right for localhost),
and once about a hook in a Mesa component this app does not use; both are noise here."""


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def server_command(host: str, port: int) -> list[str]:
    """The command that runs the app's Solara server."""
    return [
        sys.executable,
        *QUIET_WARNINGS,
        "-m",
        "solara",
        "run",
        PAGE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level-uvicorn",
        "warning",
    ]


def server_environment() -> dict[str, str]:
    """The environment of the server: ours, with Solara's telemetry switched off."""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def wait_until_answering(url: str, process: subprocess.Popen, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
    """Poll url until it answers (True), the process exits or timeout_s passes (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    return False


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the app until Ctrl-C (or SIGTERM); prints its address once it answers. Returns the exit status."""
    port = port or free_port(host)
    address = f"http://{host}:{port}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    process = subprocess.Popen(server_command(host, port), env=server_environment())
    try:
        if not wait_until_answering(address + "/", process):
            print(f"run.py: error: the app did not start on {address}", file=sys.stderr)
            return 1
        print(f"niche_abm app running at {address}  (Ctrl-C to stop)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
