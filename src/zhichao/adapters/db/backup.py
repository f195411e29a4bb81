"""Backups of the database, and of the evidence directory when evidence is kept on the filesystem.

SQLite is copied through its online backup API, page by page under its own locks, so the copy is
consistent while a server keeps writing. PostgreSQL is dumped by ``pg_dump -Fc`` (one snapshot) and
restored in a single transaction that empties the schema and runs the dump's SQL, so a failed restore
changes nothing. Evidence files go into a tar next to the database file (``OUT.evidence.tar``); they are
content-addressed, so a restore adds the missing ones and never has to remove any.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import audit_log, records, stations, users
from zhichao.config import Settings
from zhichao.services.errors import Conflict, InvalidInput

EVIDENCE_SUFFIX = ".evidence.tar"


@dataclass(frozen=True, slots=True)
class BackupFiles:
    database: Path
    evidence: Path | None


def evidence_dir(settings: Settings) -> Path | None:
    return settings.data_dir / "evidence" if settings.evidence_backend == "filesystem" else None


def backup(settings: Settings, out: Path) -> BackupFiles:
    """Write the database to ``out`` (and the evidence to ``out.evidence.tar``), each complete or not at all."""
    url = make_url(settings.sqlalchemy_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(Path(str(url.database)), partial)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), _libpq(url)], url)
    partial.replace(out)
    return BackupFiles(out, _tar_evidence(evidence_dir(settings), out))


def restore(settings: Settings, db: Database, source: Path, *, force: bool) -> BackupFiles:
    """Replace the database with the backup ``source``; refused over a database holding data unless ``force``.

    Stop the serving process and the workers first: a restore under their feet would mix two states.
    """
    if not source.is_file():
        raise InvalidInput("backup_not_found", f"找不到备份文件 {source}")
    if not force and holds_data(db):
        raise Conflict("database_not_empty", "数据库中已有数据；确认要用备份覆盖时请加 --force")
    url = make_url(settings.sqlalchemy_url)
    db.dispose()  # no pooled connection may keep the old file or tables open
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, Path(str(url.database)))
    else:
        _pg_restore(source, url)
    tar = source.with_name(source.name + EVIDENCE_SUFFIX)
    target = evidence_dir(settings)
    if tar.is_file() and target is not None:
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tar) as archive:
            # a file already there has the same bytes (its name is their hash) and is read-only: keep it
            missing = [m for m in archive.getmembers() if m.isdir() or not (target / m.name).exists()]
            archive.extractall(target, members=missing, filter="data")  # no absolute paths, links out, devices
    return BackupFiles(source, tar if tar.is_file() else None)


def holds_data(db: Database) -> bool:
    """Whether any station, user, record or audit entry is stored (a migrated, unused database holds none)."""
    with db.reader.connect() as conn:
        return any(conn.execute(select(func.count()).select_from(select(t).limit(1).subquery())).scalar_one()
                   for t in (records, stations, users, audit_log))


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise InvalidInput("database_not_found", f"找不到数据库文件 {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def _tar_evidence(directory: Path | None, out: Path) -> Path | None:
    if directory is None or not directory.is_dir():
        return None
    tar = out.with_name(out.name + EVIDENCE_SUFFIX)
    partial = tar.with_name(tar.name + ".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(directory, arcname=".")
    partial.replace(tar)
    return tar


def _libpq(url: URL) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver, no password (that goes in PGPASSWORD, not argv)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_restore(source: Path, url: URL) -> None:
    """The dump as SQL (``pg_restore -f``, next to it), then run by psql in one transaction after
    ``DROP SCHEMA public CASCADE``: ``pg_restore --clean`` drops object by object and cannot drop the
    constraints a month partition inherits from ``records``. The SQL is written out whole first, so a
    dump that cannot be read never reaches the database half done."""
    script = source.with_name(f".{source.name}.restore.sql")
    try:
        _run(["pg_restore", "--no-owner", "--file", str(script), str(source)], url)
        _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
              "--command", "DROP SCHEMA public CASCADE", "--command", "CREATE SCHEMA public",
              "--file", str(script), "--dbname", _libpq(url)], url)
    finally:
        script.unlink(missing_ok=True)


def _run(command: list[str], url: URL) -> None:
    if shutil.which(command[0]) is None:
        raise InvalidInput("tool_missing", f"找不到 {command[0]}：请安装与服务器同一主版本的 PostgreSQL 客户端")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise InvalidInput("backup_tool_failed", f"{command[0]} 失败：{done.stderr.strip()[-500:]}")
