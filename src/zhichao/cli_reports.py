"""``zhichao report quarterly --year Y --quarter Q [--out DIR]``: the quarterly analysis report from the command
line (docs/reports.md).

Without ``--out`` the report of an ended quarter is stored where the server keeps it (EXPORT_DIR/reports,
replacing the files there) and a running quarter is refused. With ``--out`` the three files (PDF, Excel, JSON)
are written to DIR for any quarter that has begun, a running one labelled 截至 today.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any


def cmd_report_quarterly(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.domain.quarterly import parse_quarter
    from zhichao.services import quarterly

    q = parse_quarter(args.year, args.quarter)
    c = build_current()
    try:
        started = time.monotonic()
        if args.out:
            built = quarterly.report(c.quarterly, q, c.clock())
            paths = quarterly.write_files(c.quarterly, built, Path(args.out))
        else:
            quarterly.generate(c.quarterly, q, c.clock())
            paths = [quarterly.stored_path(c.quarterly, q, fmt) for fmt in quarterly.STORED]
        for path in paths:
            print(path)
        print(f"{q.label}分析报告已生成，用时 {time.monotonic() - started:.1f} 秒")
    finally:
        c.close()
    return 0


def report_parser(sub: Any) -> None:
    report = sub.add_parser("report", help="analysis reports").add_subparsers(dest="action", required=True)
    p = report.add_parser("quarterly", help="the quarterly analysis report (PDF, Excel, JSON)")
    p.add_argument("--year", required=True, help="e.g. 2026")
    p.add_argument("--quarter", required=True, help="1-4")
    p.add_argument("--out", help="write the files to this directory (default: stored under EXPORT_DIR/reports; "
                                 "a running quarter only with --out)")
    p.set_defaults(handler=cmd_report_quarterly)
