"""``zhichao serve`` with screening switched off, for measuring what screening costs (bench only).

Production has no such switch: screening is the law's (a record from an unverified device is never
evidence). This launcher replaces the two screening steps of the ingest service with no-ops.
"""

from __future__ import annotations

import sys

from zhichao import cli
from zhichao.services import ingest


def _no_flags(*_args: object) -> tuple[()]:
    return ()


def _no_context(*_args: object) -> None:
    return None


if __name__ == "__main__":
    ingest.record_flags = _no_flags  # type: ignore[assignment]
    ingest._screen_new = _no_context  # type: ignore[assignment]
    sys.exit(cli.main(["serve", *sys.argv[1:]]))
