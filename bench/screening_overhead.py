"""What screening adds to end-to-end HTTP ingest (goal: less than 20 %).

Runs the spine's end-to-end benchmark (``ingest_http.end_to_end``: ``zhichao serve`` in its own
process, one client, batches of 500) against a fresh database with screening on, and against the
same server with screening switched off (``serve_unscreened.py``), alternating, ``--rounds`` times.
Reports medians and the overhead (on ÷ off − 1).

    python bench/screening_overhead.py --records 100000 --rounds 3 [--pg-url postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.ingest_http as base  # noqa: E402

UNSCREENED = [sys.executable, str(Path(__file__).with_name("serve_unscreened.py"))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    batches = base.make_batches(args.records)
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            rates: dict[str, list[float]] = {"on": [], "off": []}
            for i in range(args.rounds):
                for variant in ("on", "off"):
                    settings = base.settings_for(backend, f"{variant}{i}", Path(tmp), args.pg_url)
                    command = None if variant == "on" else UNSCREENED
                    rates[variant].append(base.end_to_end(settings, batches, command=command)["rate"])
            on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
            report[backend] = {"screened_rate": on, "unscreened_rate": off, "overhead": off / on - 1,
                               "runs": rates}
            print(backend, json.dumps(report[backend]), flush=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
