"""``zhichao mqtt-passwords`` as an operator runs it: the file it writes is one Mosquitto accepts, with the
workers' password and nothing else; a station's line added with ``mosquitto_passwd`` survives a rewrite."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.e2e.mqtt_helpers import Mosquitto
from zhichao.adapters.mosquitto_passwords import password_line

pytestmark = pytest.mark.skipif(shutil.which("mosquitto") is None or shutil.which("mosquitto_passwd") is None,
                                reason="needs mosquitto and mosquitto_passwd")


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHAO_")}
    return subprocess.run([sys.executable, "-m", "zhichao.cli", *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60)


def _connects(port: int, username: str, password: str) -> bool:
    done = threading.Event()
    codes: list[int] = []

    def on_connect(client: paho.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        codes.append(int(reason.value))  # type: ignore[attr-defined]
        done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"t-{username}")
    client.username_pw_set(username, password)
    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert done.wait(10), "no CONNACK"
        return codes == [0]
    finally:
        client.disconnect()
        client.loop_stop()


def test_the_written_file_lets_the_workers_and_only_them_in(tmp_path: Path) -> None:
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "KQ-01", "zst_station-token"], check=True)
    env = {"ZHICHAO_MQTT_WORKER_USERNAME": "ingest", "ZHICHAO_MQTT_WORKER_PASSWORD": "first"}
    assert _cli("mqtt-passwords", "--out", str(passwords), **env).returncode == 0
    env["ZHICHAO_MQTT_WORKER_PASSWORD"] = "s3cret:with$signs"
    assert _cli("mqtt-passwords", "--out", str(passwords), **env).returncode == 0
    lines = passwords.read_text().splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["KQ-01", "ingest"]
    assert "s3cret" not in passwords.read_text() and passwords.stat().st_mode & 0o077 == 0

    broker = Mosquitto(tmp_path)
    broker.conf.write_text(f"listener {broker.port} 127.0.0.1\nallow_anonymous false\n"
                           f"password_file {passwords}\nuser {getpass.getuser()}\n")
    broker.start()
    try:
        assert _connects(broker.port, "ingest", "s3cret:with$signs")
        assert not _connects(broker.port, "ingest", "first")
        assert _connects(broker.port, "KQ-01", "zst_station-token")
        assert not _connects(broker.port, "KQ-01", "s3cret:with$signs")
    finally:
        broker.stop()


def test_without_a_worker_password_nothing_is_written(tmp_path: Path) -> None:
    done = _cli("mqtt-passwords", "--out", str(tmp_path / "passwd"))
    assert done.returncode == 2 and "mqtt_worker_password_missing" in done.stderr
    assert not (tmp_path / "passwd").exists()


def test_a_line_is_mosquitto_passwd_s_format() -> None:
    line = password_line("ingest", "secret", salt=bytes(12))
    assert line.startswith("ingest:$7$101$AAAAAAAAAAAAAAAA$") and len(line.rsplit("$", 1)[1]) == 88
