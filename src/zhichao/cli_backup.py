"""``zhichao backup OUT`` and ``zhichao restore IN [--force]`` (docs/deployment.md, "Backups").

The backup may run while the server writes. A restore is for a stopped server and workers; it refuses a
database that already holds data unless ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_backup(args: argparse.Namespace) -> int:
    from zhichao.adapters.db.backup import backup
    from zhichao.config import load_settings

    files = backup(load_settings(), Path(args.out))
    print(f"数据库已备份到 {files.database}")
    if files.evidence:
        print(f"证据文件已备份到 {files.evidence}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from zhichao.adapters.db.backup import restore
    from zhichao.adapters.db.engine import open_database
    from zhichao.config import load_settings

    settings = load_settings()
    db = open_database(settings)
    try:
        files = restore(settings, db, Path(args.source), force=args.force)
    finally:
        db.dispose()
    print(f"数据库已从 {files.database} 恢复" + (f"，证据文件已从 {files.evidence} 恢复" if files.evidence else ""))
    print("请运行 zhichao audit verify 核对审计链，再启动服务")
    return 0


def backup_parsers(sub: Any) -> None:
    p = sub.add_parser("backup", help="back up the database (and the evidence directory) while the server runs")
    p.add_argument("out", help="the backup file; evidence files go to OUT.evidence.tar")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into the configured database (server stopped)")
    p.add_argument("source", metavar="IN", help="a file written by zhichao backup")
    p.add_argument("--force", action="store_true", help="overwrite a database that already holds data")
    p.set_defaults(handler=cmd_restore)
