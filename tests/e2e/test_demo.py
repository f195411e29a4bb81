"""``zhichao demo`` as a new user starts it: a fresh data directory, the Shaoxing network, demo
logins printed, history and live traffic arriving."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port


def get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for(predicate: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not reached in {seconds} s")


@pytest.mark.slow
def test_the_demo_starts_on_a_fresh_directory_with_network_logins_and_traffic(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHAO_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhichao.cli", "demo", "--port", str(port), "--data-dir", str(tmp_path / "demo"),
         "--backfill-hours", "0.25"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "按 Ctrl+C 停止" in line:
                break
        text = "".join(banner)
        assert f"http://127.0.0.1:{port}/" in text
        for role in ("reviewer", "officer", "legal", "leader", "admin", "partner"):
            assert re.search(rf"^\s+\S+\s+\S+\s+{role}\s+\S+$", text, re.M), f"no demo login for {role}"
        logins = json.loads((tmp_path / "demo" / "demo-logins.json").read_text(encoding="utf-8"))
        assert oct((tmp_path / "demo" / "demo-logins.json").stat().st_mode & 0o777) == "0o600"
        token = logins["leader"]["token"]
        base = f"http://127.0.0.1:{port}"

        def stations() -> Any:
            try:
                return get(base + "/api/v1/stations", token)
            except (urllib.error.URLError, ConnectionError):
                return None

        listed = wait_for(stations, 30)
        sites = [s for s in listed if s["kind"] == "site"]
        assert len(sites) == 85 and sum(s["lanes"] for s in sites) == 359
        first = wait_for(lambda: get(base + "/api/v1/records?limit=5", token)["records"], 60)
        newest = first[0]["id"]
        later = wait_for(lambda: [r for r in get(base + "/api/v1/records?limit=5", token)["records"]
                                  if r["id"] > newest], 30)
        assert later, "live traffic keeps arriving"
        # the repeat offender: four penalised overloads in a year, proposed for the dishonesty list
        proposed = wait_for(lambda: get(base + "/api/v1/sanctions?state=proposed", token)["sanctions"], 90)
        assert {(s["party_kind"], s["rule"], s["count"]) for s in proposed} == {
            ("vehicle", "art66_vehicle", 4), ("driver", "art66_driver", 4), ("source", "source_repeated", 4)}
        page = get(base + "/api/v1/parties/vehicle/" + urllib.parse.quote("浙D12345"), token)
        assert [c["state"] for c in page["cases"]] == ["decided"] * 4 and page["penalised_in_year"] == 4
        # highway entrances: a truck turned back at one entrance enters through another; KPI 6 has trucks
        days = "from=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)) + "&to=" + \
            time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        evaded = get(f"{base}/api/v1/entrance-refusals?{days}&entered_elsewhere=true", token)["refusals"]
        assert ("HW-KQ-001", "SCENE-1", "HW-YC-001") in {
            (r["station_id"], r["record_id"], r["entered_station_id"]) for r in evaded}
        assert get(f"{base}/api/v1/kpis/highway?{days}", token)["kpis"][0]["denominator"] > 0

        sent = subprocess.run(
            [sys.executable, "-m", "zhichao.cli", "simulate", "--url", base, "--tokens",
             str(tmp_path / "demo" / "demo-station-tokens.json"), "--hours", "0.1", "--seed", "99"],
            capture_output=True, text=True, env=env, timeout=120)
        assert sent.returncode == 0, sent.stderr
        assert re.search(r"接收 [1-9]\d* 条", sent.stdout), sent.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=20)
