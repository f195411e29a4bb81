"""Settings: every one documented, read from the environment, refused when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhichao.config import Settings, SettingsError, documented_settings, load_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


@pytest.mark.parametrize(("variable", "doc"), documented_settings())
def test_every_setting_is_documented(variable: str, doc: str) -> None:
    assert doc, f"{variable} has no documentation string"
    assert f"`{variable}`" in DOCS.read_text(encoding="utf-8"), f"{variable} is missing from docs/settings.md"


def test_defaults_need_nothing_set() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.sqlalchemy_url.endswith("zhichao-data/zhichao.sqlite3")


@pytest.mark.parametrize(
    ("environ", "field", "value"),
    [
        ({"ZHICHAO_MAX_BATCH_RECORDS": "500"}, "max_batch_records", 500),
        ({"ZHICHAO_LOCAL_PLATE_PREFIXES": "浙D, 浙A"}, "local_plate_prefixes", ("浙D", "浙A")),
        ({"ZHICHAO_COOKIE_SECURE": "yes"}, "cookie_secure", True),
        ({"ZHICHAO_DATA_DIR": "/srv/zhichao"}, "data_dir", Path("/srv/zhichao")),
        ({"ZHICHAO_RULE_SET": "MOT-2016"}, "rule_set", "MOT-2016"),
    ],
)
def test_settings_are_read_from_the_environment(environ: dict[str, str], field: str, value: object) -> None:
    assert getattr(load_settings(environ), field) == value


@pytest.mark.parametrize(
    "environ", [{"ZHICHAO_MAX_BATCH_RECORDS": "many"}, {"ZHICHAO_COOKIE_SECURE": "perhaps"},
                {"ZHICHAO_KPI_OVERLOAD_LINE_PCT": "25"}, {"ZHICHAO_KPI_OVERLOAD_LINE_PCT": "110"},
                {"ZHICHAO_LOCAL_PLATE_PREFIXES": "浙D1"}]
)
def test_a_malformed_setting_is_refused_by_name(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(environ))):
        load_settings(environ)


def test_a_database_url_replaces_the_sqlite_file() -> None:
    url = "postgresql+psycopg://zhichao@db/zhichao"
    assert load_settings({"ZHICHAO_DATABASE_URL": url}).sqlalchemy_url == url
