"""``zhichao mqtt-passwords --out FILE``: the ingest workers' line of a Mosquitto password file (docs/mqtt.md,
"Broker authentication"). Station lines cannot be written here: only their tokens' hashes are stored."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zhichao.services.errors import InvalidInput


def cmd_mqtt_passwords(args: argparse.Namespace) -> int:
    from zhichao.adapters.mosquitto_passwords import write_user
    from zhichao.config import load_settings

    settings = load_settings()
    if not settings.mqtt_worker_username or not settings.mqtt_worker_password:
        raise InvalidInput("mqtt_worker_password_missing",
                           "请先设置 ZHICHAO_MQTT_WORKER_USERNAME 和 ZHICHAO_MQTT_WORKER_PASSWORD")
    write_user(Path(args.out), settings.mqtt_worker_username, settings.mqtt_worker_password)
    print(f"已写入 {args.out}：接入进程账号 {settings.mqtt_worker_username}（其他账号的行保持不变）")
    return 0


def mqtt_passwords_parser(sub: Any) -> None:
    p = sub.add_parser("mqtt-passwords", help="write the ingest workers' account into a Mosquitto password file")
    p.add_argument("--out", required=True, help="the password file; other users' lines in it are kept")
    p.set_defaults(handler=cmd_mqtt_passwords)
