"""zhichao backup / restore: a round trip on each database gives back exactly what was backed up."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import FixedClock
from zhichao.adapters.db.audit import append
from zhichao.adapters.db.tables import records
from zhichao.bootstrap import Container, build
from zhichao.cli import main
from zhichao.config import Settings
from zhichao.services.audit import verify_chain
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def batch(prefix: str, n: int) -> bytes:
    return json.dumps([
        {"record_id": f"{prefix}-{i}", "station_id": "T-BK-01", "lane": 1 + i % 2,
         "captured_at": (NOW - timedelta(seconds=60 + i)).isoformat(), "plate": f"浙D{10000 + i}",
         "speed_kmh": 60.0, "axle_count": 2, "axle_weights_kg": [6000, 9000 + 10 * i],
         "gross_weight_kg": 15000 + 10 * i}
        for i in range(n)]).encode()


def ingest(c: Container, prefix: str, n: int) -> None:
    result = accept_batch(c.ingest_store, "T-BK-01", batch(prefix, n), now=NOW, policy=c.ingest_policy)
    assert result.accepted == n, result.rejected
    with c.db.writer.begin() as conn:
        append(conn, at=NOW, actor="test", origin="test", action="records.batch", subject=prefix, details={"n": n})


def stored(c: Container) -> tuple[int, str]:
    """How many records, and a checksum of their ids."""
    with c.db.reader.connect() as conn:
        ids = sorted(f"{s}/{r}" for s, r in conn.execute(select(records.c.station_id, records.c.record_id)))
    return len(ids), hashlib.sha256("\n".join(ids).encode()).hexdigest()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The command line reads the same database as the test (SQLite file or PostgreSQL database)."""
    monkeypatch.setenv("ZHICHAO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ZHICHAO_DATABASE_URL", settings.database_url)
    return settings


def test_a_restore_gives_back_exactly_the_backed_up_records(env: Settings, tmp_path: Path) -> None:
    c = build(env, clock=FixedClock(NOW))
    add_station(c.stations, "T-BK-01", "G104 备份测试站", 2, now=NOW)
    ingest(c, "A", 40)
    c.evidence.store.put(*evidence_file(b"plate photo"))
    before = stored(c)
    out = tmp_path / "backups" / "zhichao.dump"
    assert main(["backup", str(out)]) == 0
    ingest(c, "B", 25)
    assert stored(c)[0] == 65
    c.close()
    shutil.rmtree(env.data_dir / "evidence")  # a lost disk: the files come back from the tar

    assert main(["restore", str(out), "--force"]) == 0

    c = build(env, clock=FixedClock(NOW))
    try:
        assert stored(c) == before
        audit = verify_chain(c.audit)
        assert audit.ok and audit.count == 1
        assert c.evidence.store.get(evidence_file(b"plate photo")[0]) == b"plate photo"
    finally:
        c.close()


def test_a_restore_over_data_needs_force(env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = build(env, clock=FixedClock(NOW))
    add_station(c.stations, "T-BK-01", "G104 备份测试站", 2, now=NOW)
    ingest(c, "A", 3)
    out = tmp_path / "zhichao.dump"
    assert main(["backup", str(out)]) == 0
    ingest(c, "B", 2)
    c.close()
    assert main(["restore", str(out)]) == 2
    assert "database_not_empty" in capsys.readouterr().err
    c = build(env, clock=FixedClock(NOW))
    try:
        assert stored(c)[0] == 5  # nothing changed
    finally:
        c.close()


def evidence_file(data: bytes) -> tuple[str, bytes, str]:
    return hashlib.sha256(data).hexdigest(), data, "image/jpeg"
