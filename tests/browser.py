"""Drive the running app in a real browser: Debian's Chromium, headless, through Playwright's sync API.

Used by the browser tests (tests/test_app_browser.py) and to take the README's
screenshot::

    python tests/browser.py docs/figures/app.png

No browser is ever downloaded (never ``playwright install``): Playwright drives
the Chromium named by the CHROMIUM environment variable, else the ``chromium`` on
PATH, else Debian's /usr/bin/chromium. The flags keep Chromium from calling out
(this machine may have no network) and let it run as root in a container.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from niche_abm.app.server import free_port, wait_until_answering

CHROMIUM = Path(os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
"""The browser Playwright drives: $CHROMIUM, else `chromium` on PATH, else Debian's package's path."""
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def running_app(timeout_s: float = 60.0) -> Iterator[str]:
    """Start ``python run.py app`` on 127.0.0.1 and a free port; yield its address; stop it (and its server)."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "run.py", "app", "--port", str(port)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_answering(address + "/", process, timeout_s):
            log.seek(0)
            raise RuntimeError(f"the app did not answer on {address} within {timeout_s:g} s\n{log.read()}")
        yield address
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the drop-down labelled `label`."""
    field = page.locator(".v-select").filter(has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")))
    field.click()
    page.locator(".menuable__content__active .v-list-item").filter(has_text=option).first.click()


def status(page) -> str:
    """The status line: day, hour, BV/TV and cell counts."""
    return page.locator(".niche-status").inner_text()


def hour(page) -> int:
    """The model's hour, read from the status line."""
    return int(re.search(r"hour (\d+)", status(page)).group(1))


def play_until(page, target_hour: int, timeout_s: float = 60.0) -> None:
    """Press Play, wait until the model reaches target_hour, press Pause and let the last frame land."""
    page.get_by_role("button", name="▶").click()
    deadline = time.monotonic() + timeout_s
    while hour(page) < target_hour and time.monotonic() < deadline:
        time.sleep(0.2)
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    time.sleep(0.5)


def screenshot(out: Path, day: int = 30) -> None:
    """A screenshot of the app mid-run: the vicious-cycle demo at `day` with the RANKL/OPG overlay."""
    from playwright.sync_api import sync_playwright

    with running_app() as address, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.goto(address)
        page.get_by_text("Day 0.0").wait_for(timeout=60_000)
        pick(page, "demo", "2. The vicious cycle")
        page.get_by_text("What to look for").wait_for()
        page.locator('[role="slider"][aria-valuemax="48"]').focus()
        page.keyboard.press("End")
        play_until(page, 24 * day, timeout_s=300)
        page.get_by_role("button", name="RANKL/OPG").click()
        page.get_by_text("log scale").wait_for()
        time.sleep(1.0)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Take a screenshot of the app mid-run (vicious-cycle demo).")
    parser.add_argument("out", type=Path, help="PNG file to write, e.g. docs/figures/app.png")
    parser.add_argument("--day", type=int, default=30, help="simulated day to stop at (default 30)")
    arguments = parser.parse_args()
    screenshot(arguments.out, arguments.day)
    print(f"wrote {arguments.out}")
