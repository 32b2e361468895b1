"""--clock-at reaches beyond the test's own process: a service started in another process
(tests/conftest.service_command) and the browser's page scripts (tests/service/browser.clocked)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from service import clock
from tests.conftest import service_command
from tests.service.browser import ARGS, CHROMIUM, clocked, needs_chromium, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AT = dt.datetime(2027, 3, 28, 1, 59, tzinfo=clock.OSLO)  # a minute before summer time


def test_a_process_started_by_service_command_reads_the_tests_clock(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(clock, "_offset", clock.offset())  # put back as it was
    clock.shift_to(AT)
    show = tmp_path / "show_now.py"
    show.write_text("from service import clock\nprint(clock.now().isoformat())\n", encoding="utf-8")
    argv = service_command()
    assert argv[-1] == "service.cli" and "tests.clock_child" in argv
    done = subprocess.run([*argv[:-1], "show_now"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])})
    assert done.returncode == 0, done.stderr
    seen = dt.datetime.fromisoformat(done.stdout.strip())
    assert dt.timedelta(0) <= seen - AT < dt.timedelta(seconds=30)


def test_without_a_shift_the_process_is_the_plain_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_offset", dt.timedelta(0))
    assert service_command()[1:] == ["-m", "service.cli"]


@needs_chromium[0]
@needs_chromium[1]
def test_the_browsers_pages_read_the_tests_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_offset", clock.offset())
    clock.shift_to(AT)
    with sync_playwright() as p:
        browser = clocked(p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
        try:
            ctx = browser.new_context(timezone_id="Europe/Oslo")
            page = ctx.new_page()
            page.set_content("<p>now</p>")
            first = page.evaluate("Date.now()")
            wall = page.evaluate("new Date().toLocaleString('sv-SE', {timeZone: 'Europe/Oslo'})")
            page.wait_for_timeout(1100)  # the clock moves on, as the service's does
            second = page.evaluate("Date.now()")
        finally:
            browser.close()
    seen = dt.datetime.fromtimestamp(first / 1000, dt.UTC)
    assert dt.timedelta(0) <= seen - AT < dt.timedelta(seconds=30)
    assert wall.startswith("2027-03-28 01:59") or wall.startswith("2027-03-28 03:0"), wall
    assert second - first >= 1000
