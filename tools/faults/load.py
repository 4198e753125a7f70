#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A bounded load on the webhook while queue_job processes: rates, latency, lag, losses.

For each set-up (one node with 2 HTTP workers, one with 4, two nodes of 2),
senders post N contacts in batches of 10 at a fixed concurrency while the
job runner applies them. Printed: accepted items per second, p50 and p99
latency of a delivery, the inbox lag (from stored to applied) p50 and p99,
and the checks: count sent = count stored = count applied, no duplicated
partner.

    python3 tools/faults/load.py [--items 3000] [--concurrency 8] [--work DIR]
"""

import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    cluster,
    post,
    print,
    run_scenario,
    signed_headers,
    versions,
)

DATABASE = "faults_load"
BATCH = 10


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


def load(nodes, path, items, concurrency):
    """Post ``items`` in batches; ``(seconds, latencies, statuses)``."""
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    latencies, statuses = [], {}
    lock = threading.Lock()
    position = iter(range(len(batches)))

    def client():
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            body = json.dumps(batches[index]).encode()
            node = nodes[index % len(nodes)]
            started = time.perf_counter()
            status, _answer = post(node.port, path, body, signed_headers(body))
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def lag(pg, prefix):
    """Seconds from stored to applied of the run's events: ``(p50, p99)``."""
    rows = cluster.psql(
        pg,
        DATABASE,
        "SELECT EXTRACT(EPOCH FROM processed_at - create_date) FROM external_crm_event "
        f"WHERE external_event_id LIKE '{prefix}-%' AND processed_at IS NOT NULL",
    )
    values = [float(line) for line in rows.splitlines() if line]
    return percentile(values, 0.5), percentile(values, 0.99)


ARGUMENTS = (
    ("--items", {"type": int, "default": 3000}),
    ("--concurrency", {"type": int, "default": 8}),
)
SETUPS = (
    ("one node, 2 workers", ((2, True),)),
    ("one node, 4 workers", ((4, True),)),
    ("two nodes, 2 workers each", ((2, True), (2, False))),
)


def scenario(run):
    for number, (label, shape) in enumerate(SETUPS):
        nodes = [
            run.node(f"load{number}-{index}", runner=runner, workers=workers)
            for index, (workers, runner) in enumerate(shape)
        ]
        # every worker loads its registry before the measure
        warm = versions(20 * len(nodes), 1, seed=99, prefix=f"warm{number}")
        load(nodes, run.path, warm, run.args.concurrency)
        prefix = f"load{number}"
        items = versions(run.args.items, 1, seed=number, prefix=prefix)
        seconds, latencies, statuses = load(nodes, run.path, items, run.args.concurrency)
        run.processed(f"{label}: processed", timeout=1800)
        lag50, lag99 = lag(run.pg, prefix)
        print(
            f"{label}: {len(items) / seconds:.0f} items/s accepted "
            f"({len(items)} in {seconds:.1f} s, {statuses}); latency p50 "
            f"{statistics.median(latencies) * 1000:.0f} ms, p99 "
            f"{percentile(latencies, 0.99) * 1000:.0f} ms; inbox lag p50 {lag50:.1f} s, "
            f"p99 {lag99:.1f} s"
        )
        run.check_applied(items, prefix)
        for node in nodes:
            node.stop()


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
