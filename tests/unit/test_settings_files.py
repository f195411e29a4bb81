"""Secrets may be given as files (``ZHICHAO_<NAME>_FILE``), and a secret never reaches a log line, whichever
way it came in."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhichao.cli import main
from zhichao.config import Settings, SettingsError, load_settings, secret_settings
from zhichao.logs import JsonFormatter, SecretFilter, _MaskingTextFormatter, forget_secrets

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
SECRETS = secret_settings()
# A secret with every character the log patterns stop at: quotes, spaces, &, ;, commas, braces.
AWKWARD = "p&ss w'rd\"x;y,z}{Q"


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    forget_secrets()


def field_of(variable: str) -> str:
    return variable.removeprefix("ZHICHAO_").lower()


def test_the_secrets_are_the_settings_that_hold_passwords_tokens_and_keys() -> None:
    assert {field_of(v) for v in SECRETS} == {
        "database_url", "s3_access_key", "s3_secret_key", "payment_webhook_secret", "sms_gateway_url",
        "sms_gateway_secret", "dingtalk_webhook_url", "dingtalk_secret", "metrics_token", "mqtt_url",
        "mqtt_auth_secret", "mqtt_worker_password"}


@pytest.mark.parametrize("variable", SECRETS)
def test_each_secret_can_be_read_from_a_file_without_its_line_break(variable: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("mqtt://ingest:s3cr3t@broker:1883\r\n" if variable.endswith("URL") else f"{AWKWARD}\n",
                      encoding="utf-8")
    value = getattr(load_settings({f"{variable}_FILE": str(secret)}), field_of(variable))
    assert value == ("mqtt://ingest:s3cr3t@broker:1883" if variable.endswith("URL") else AWKWARD)


@pytest.mark.parametrize("variable", SECRETS)
def test_each_secret_s_file_variable_is_documented(variable: str) -> None:
    assert f"`{variable}_FILE`" in DOCS.read_text(encoding="utf-8")


def test_only_the_last_line_breaks_are_removed(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("  line one\nline two \n\n", encoding="utf-8")
    settings = load_settings({"ZHICHAO_S3_SECRET_KEY_FILE": str(tmp_path / "key")})
    assert settings.s3_secret_key == "  line one\nline two "


def test_a_secret_given_twice_is_refused_by_both_names(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-the-file", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings({"ZHICHAO_METRICS_TOKEN": "from-the-environment",
                       "ZHICHAO_METRICS_TOKEN_FILE": str(tmp_path / "token")})
    assert refused.value.code == "secret_file_conflict"
    assert "ZHICHAO_METRICS_TOKEN 与 ZHICHAO_METRICS_TOKEN_FILE 不能同时设置" in refused.value.message
    assert "from-the-file" not in str(refused.value) and "from-the-environment" not in str(refused.value)


@pytest.mark.parametrize("make", ["missing", "directory", "not_utf8"])
def test_an_unreadable_file_is_refused_by_variable_and_path_never_by_content(make: str, tmp_path: Path) -> None:
    path = tmp_path / "secret"
    if make == "directory":
        path.mkdir()
    elif make == "not_utf8":
        path.write_bytes(b"\xff\xfeGBK-SECRET")
    with pytest.raises(SettingsError) as refused:
        load_settings({"ZHICHAO_DINGTALK_SECRET_FILE": str(path)})
    assert refused.value.code == "secret_file_unreadable"
    assert f"无法读取 ZHICHAO_DINGTALK_SECRET_FILE 指定的文件 {path}" in refused.value.message
    assert refused.value.details == {"variable": "ZHICHAO_DINGTALK_SECRET_FILE", "path": str(path)}
    assert "GBK-SECRET" not in str(refused.value)


def test_a_file_for_a_setting_that_is_no_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rules").write_text("MOT-2016", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings({"ZHICHAO_RULE_SET_FILE": str(tmp_path / "rules")})
    assert refused.value.code == "setting_file_not_secret" and "ZHICHAO_RULE_SET_FILE" in refused.value.message


def test_a_command_stops_with_the_code_and_the_chinese_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ZHICHAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ZHICHAO_S3_SECRET_KEY", "x")
    monkeypatch.setenv("ZHICHAO_S3_SECRET_KEY_FILE", str(tmp_path / "absent"))
    assert main(["audit", "verify"]) == 2
    assert "错误 [secret_file_conflict]: ZHICHAO_S3_SECRET_KEY 与 ZHICHAO_S3_SECRET_KEY_FILE" in capsys.readouterr().err


def test_secrets_are_left_out_of_the_settings_repr() -> None:
    text = repr(Settings(s3_secret_key="minio-secret", database_url="postgresql://u:pw-db@h/d"))
    assert "minio-secret" not in text and "pw-db" not in text and "s3_bucket" in text


@pytest.mark.parametrize("formatter", [JsonFormatter(), _MaskingTextFormatter("%(message)s")])
def test_secrets_from_files_never_reach_a_log_line(formatter: logging.Formatter, tmp_path: Path) -> None:
    files = {"S3_SECRET_KEY": AWKWARD, "DATABASE_URL": "postgresql+psycopg://zhichao:pg%26pw;9@db/zhichao",
             "DINGTALK_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=ding tok&x=1",
             "MQTT_WORKER_PASSWORD": "mq 'pw' 42"}
    env = {}
    for name, value in files.items():
        (tmp_path / name).write_text(value + "\n", encoding="utf-8")
        env[f"ZHICHAO_{name}_FILE"] = str(tmp_path / name)
    settings = load_settings(env)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(SecretFilter())
    handler.setFormatter(formatter)
    logger = logging.getLogger("zhichao.test_settings_files")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info("settings: %s", settings)
        logger.info("settings as a dict: %r", {k: getattr(settings, k) for k in ("s3_secret_key", "database_url")})
        logger.warning("S3 refused key %s; database %s; robot %s", settings.s3_secret_key, settings.database_url,
                       settings.dingtalk_webhook_url)
        logger.info("broker login", extra={"credentials": (settings.mqtt_worker_password, "zhichao-ingest"),
                                          "settings": settings, "note": f"pw is {settings.mqtt_worker_password}"})
        try:
            raise ConnectionError(f"auth failed for {settings.mqtt_worker_password!r} / {settings.s3_secret_key}")
        except ConnectionError:
            logger.exception("connect failed")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    for secret in (AWKWARD, "pg%26pw;9", "pg&pw;9", "ding tok", "mq 'pw' 42", json.dumps(AWKWARD)[1:-1]):
        assert secret not in text, secret
    assert "oapi.dingtalk.com" in text and "db/zhichao" in text  # what is not secret stays readable
