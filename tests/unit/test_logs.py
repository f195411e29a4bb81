"""Log lines: JSON objects with their extra fields, and no secret in any of them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from zhichao.logs import MASK, JsonFormatter, SecretFilter, configure, mask

TOKEN = "zut_Q2hhbmdlTWVQbGVhc2VUaGlzSXNBVGVzdFRva2Vu"


@pytest.fixture
def json_lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(SecretFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("zhichao.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def test_a_bearer_token_in_a_message_is_masked(json_lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = json_lines
    logger.warning("refused request with header Authorization: Bearer %s from %s", TOKEN, "10.0.0.7")
    line = json.loads(out.getvalue())
    assert TOKEN not in out.getvalue()
    assert line["message"] == f"refused request with header Authorization: Bearer {MASK} from 10.0.0.7"


def test_a_line_is_one_object_with_time_level_logger_message_and_extras(
        json_lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = json_lines
    logger.info("batch stored", extra={"station_id": "T-YC-01", "accepted": 3, "password": "hunter2",
                                       "headers": {"Authorization": f"Bearer {TOKEN}", "Accept": "*/*"}})
    text = out.getvalue()
    assert text.count("\n") == 1 and "hunter2" not in text and TOKEN not in text
    line = json.loads(text)
    assert {k: line[k] for k in ("level", "logger", "message", "station_id", "accepted", "password")} == {
        "level": "INFO", "logger": "zhichao.test_logs", "message": "batch stored", "station_id": "T-YC-01",
        "accepted": 3, "password": MASK}
    assert line["headers"] == {"Authorization": MASK, "Accept": "*/*"}
    assert line["time"].endswith("+00:00")


def test_an_exception_s_text_is_masked(json_lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = json_lines
    try:
        raise RuntimeError(f"connect failed: postgresql://zhichao:s3cret@db/zhichao token={TOKEN}")
    except RuntimeError:
        logger.exception("sweep failed")
    line = json.loads(out.getvalue())
    assert "s3cret" not in line["exc_info"] and TOKEN not in line["exc_info"]
    assert "RuntimeError" in line["exc_info"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Authorization: Bearer abc.def-ghi", f"Authorization: Bearer {MASK}"),
        ("authorization=Basic dXNlcjpwYXNz", f"authorization=Basic {MASK}"),
        ('{"Authorization": "zst_abcdefghijklmnopqrstuvwx"}', f'{{"Authorization": "{MASK}"}}'),
        ("station token zst_abcdefghijklmnopqrstuvwxyz0123 issued", f"station token {MASK} issued"),
        ("password=hunter2 user=li", f"password={MASK} user=li"),
        ('{"password": "hunter2", "user": "li"}', f'{{"password": "{MASK}", "user": "li"}}'),
        ("https://oapi.dingtalk.com/robot/send?access_token=0f9e8d", f"https://oapi.dingtalk.com/robot/send?access_token={MASK}"),
        ("ZHICHAO_S3_SECRET_KEY=minio123", f"ZHICHAO_S3_SECRET_KEY={MASK}"),
        ("mqtt://ingest:pa55@broker:1883", f"mqtt://ingest:{MASK}@broker:1883"),
        ("plate 浙D12345 over by 23.10 %", "plate 浙D12345 over by 23.10 %"),
    ],
)
def test_secrets_are_masked_and_the_rest_kept(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_configure_writes_json_to_stderr_and_replaces_its_own_handler(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved_level, saved = root.level, list(root.handlers)
    try:
        configure("text")
        configure("json")
        logging.getLogger("zhichao.test").info("login with password=%s", "hunter2")
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1  # one handler: the second call replaced the first
        assert json.loads(err[0])["message"] == f"login with password={MASK}"
    finally:
        for h in list(root.handlers):
            if h not in saved:
                root.removeHandler(h)
        root.setLevel(saved_level)
