#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of external_crm_connector (issue 5), against a real Odoo server.

Starts its own PostgreSQL cluster (tools/pg-cluster) and a real Odoo server
on loopback with 2 workers, then measures in the same run:

1. the requests per second of a trivial Odoo JSON route
   (``/web/webclient/version_info``): the ceiling on this machine; and, for
   information, of a route that runs one ``SELECT 1`` in its transaction
   (``tools/bench/addons/bench_reference_routes``, loaded server-wide), the
   least any route that touches the database costs, and of a route that
   inserts the raw body into a table with no other index or foreign key and
   commits, the least a durable inbox costs;
2. the webhook with single-item deliveries (generic JSON, HMAC-signed);
3. the webhook with batches of 100 items (10,000 contacts);
4. the same deliveries repeated (duplicates);
5. the processing from the inbox to partners of those 10,000 contacts by the
   queue_job runner, side by side with Odoo's own base_import of the same
   10,000 contacts from CSV (as the import screen does it: batches of 2,000
   rows, tracking disabled), in two alternating halves of 5,000 so that a
   change of load on the machine weighs on both alike.

The cost of a repeated delivery is shown twice: the whole request as the
client sees it (HTTP and Odoo's request handling included), and the
connector's own time in the request (its Server-Timing header); each is
compared with a first delivery's cost, that is its request plus the
processing of its items.

Targets (issue 5): single-item deliveries at no less than 0.8 times the
trivial route's rate; at least 2,000 accepted items per second in batches;
processing at least as fast as base_import; a repeated delivery costs under
10 % of a first one.

    python3 tools/bench/bench_connector.py                # about 10 minutes the first time
    python3 tools/bench/bench_connector.py --single 2000  # fewer single deliveries

The database is built once as a template (``--rebuild`` to build it again);
each run works on a fresh copy. The server's logs are in the work folder.
"""

import argparse
import ast
import builtins
import functools
import hashlib
import hmac
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster

# figures appear as they come, even through a pipe
print = functools.partial(builtins.print, flush=True)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "bench_connector_tmpl"
DATABASE = "bench_connector"
SECRET = "bench-secret"
CONTACTS = 10_000
BATCH = 100
# contacts processed and imported before the measure, to warm both up
WARMUP = 100
TARGET_SINGLE_RATIO = 0.8
TARGET_BATCH_ITEMS = 2000.0
TARGET_PROCESSING_RATIO = 1.0
TARGET_REPEAT_COST = 0.10


def run(cmd, env=None, **kwargs):
    return subprocess.run(cmd, check=True, env=env, cwd=ROOT, **kwargs)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """An Odoo server with 2 workers on loopback."""

    def __init__(self, work, pg, port, with_runner):
        self.work = work
        self.pg = pg
        self.port = port
        self.with_runner = with_runner
        self.process = None

    def start(self):
        log = self.work / ("server-runner.log" if self.with_runner else "server.log")
        env = dict(os.environ)
        env.update(
            {
                "ODOO_QUEUE_JOB_HOST": "127.0.0.1",
                "ODOO_QUEUE_JOB_PORT": str(self.port),
                "ODOO_QUEUE_JOB_MAX_CAPACITY": "1",
            }
        )
        load = "base,web,queue_job" if self.with_runner else "base,web,bench_reference_routes"
        # the console script, not "python -m odoo": the prefork server starts
        # its gevent process again from sys.argv[0]
        odoo_bin = Path(sys.executable).with_name("odoo")
        # fmt: off
        cmd = [
            str(odoo_bin), "--gevent-port", str(free_port()),
            "--db_host", str(self.pg), "--db_port", "5432", "--db_user", "odoo",
            "--addons-path", f"{ROOT},{ROOT / 'tools' / 'bench' / 'addons'}", "-d", DATABASE,
            "--http-interface", "127.0.0.1", "--http-port", str(self.port),
            "--workers", "2", "--max-cron-threads", "0", "--load", load,
            "--limit-time-real", "3600", "--limit-time-cpu", "3600",
            "--limit-request", "1000000", "--log-level", "warn", f"--logfile={log}",
        ]
        # fmt: on
        self.process = subprocess.Popen(cmd, env=env, cwd=self.work)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, _body = post_json(self.port, "/web/webclient/version_info", {})
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"Odoo did not start, see {log}")

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def post(port, path, body, headers, timings=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        timing = response.getheader("Server-Timing") or ""
        if timings is not None and "dur=" in timing:
            timings.append(float(timing.split("dur=")[1].split(";")[0]) / 1000.0)
        return response.status, answer
    finally:
        connection.close()


def post_json(port, path, params, cookie=None):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}).encode()
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    return post(port, path, body, headers)


def load(port, requests, concurrency, timings=None):
    """Send ``[(path, body, headers)]`` with ``concurrency`` clients; time it."""
    statuses = Counter()
    position = iter(range(len(requests)))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            path, body, headers = requests[index]
            status, _answer = post(port, path, body, headers, timings)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def signed(path, body):
    timestamp = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Signature-Timestamp": timestamp,
        "X-Signature": "sha256=" + mac.hexdigest(),
    }
    return path, body, headers


def contact(prefix, index):
    return {
        "event_id": f"{prefix}-{index}",
        "object": "contact",
        "id": f"{prefix}-{index}",
        "updated_at": "2026-11-20T10:00:00Z",
        "data": {
            "name": f"Bench Contact {prefix} {index}",
            "email": f"{prefix.lower()}.{index}@bench.example",
            "phone": f"+2126{index:08d}",
            "city": "Casablanca",
            "country": "MA",
        },
    }


def connector_version():
    """The connector's version in its manifest, as Odoo records it once installed."""
    manifest = ast.literal_eval((ROOT / "external_crm_connector" / "__manifest__.py").read_text())
    return manifest["version"]


def build_database(work, pg, rebuild):
    exists = cluster.database_exists(pg, TEMPLATE)
    if exists and not rebuild:
        installed = cluster.psql(
            pg,
            TEMPLATE,
            "SELECT latest_version FROM ir_module_module "
            "WHERE name = 'external_crm_connector' AND state = 'installed'",
        )
        # a template of another version of the connector has another schema
        rebuild = installed != connector_version()
    if exists and rebuild:
        cluster.drop_database(pg, TEMPLATE)
        exists = False
    if not exists:
        print("Building the template database (a few minutes)...")
        # fmt: off
        run([
            sys.executable, "-m", "odoo", "--db_host", str(pg), "--db_port", "5432",
            "--db_user", "odoo", "--addons-path", str(ROOT), "-d", TEMPLATE,
            "-i", "external_crm_connector,base_import", "--without-demo=all",
            "--stop-after-init", "--log-level=warn", f"--logfile={work / 'install.log'}",
        ])
        # fmt: on
    cluster.copy_template(pg, TEMPLATE, DATABASE)


def create_backends(pg):
    """Generic backends (HMAC), created in an Odoo shell; return their ids and tokens."""
    script = (
        "import json\n"
        "B = env['external.crm.backend']\n"
        "env.company.country_id = env.ref('base.ma')\n"
        "out = {}\n"
        "for name in ('single', 'batch1', 'batch2', 'warmup'):\n"
        f"    b = B.create({{'name': name, 'provider': 'generic', 'webhook_secret': {SECRET!r},\n"
        "                  'default_country_id': env.ref('base.ma').id})\n"
        "    out[name] = [b.id, b.webhook_token]\n"
        "env.cr.commit()\n"
        "print('BACKENDS=' + json.dumps(out))\n"
    )
    # fmt: off
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "--db_host", str(pg), "--db_port", "5432",
         "--db_user", "odoo", "--addons-path", str(ROOT), "-d", DATABASE, "--no-http",
         "--log-level=warn"],
        input=script, text=True, capture_output=True, check=True, cwd=ROOT,
    )
    # fmt: on
    line = next(x for x in result.stdout.splitlines() if x.startswith("BACKENDS="))
    return json.loads(line.split("=", 1)[1])


def rate_line(label, count, seconds, statuses, unit="requests"):
    rate = count / seconds
    shown = f"  {dict(statuses)}" if statuses else ""
    print(f"  {label:<46} {count:>6} {unit} in {seconds:7.2f} s  {rate:9.1f}/s{shown}")
    return rate


class Session:
    """JSON-RPC calls as the administrator."""

    def __init__(self, port):
        self.port = port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"db": DATABASE, "login": "admin", "password": "admin"},
            }
        ).encode()
        connection.request(
            "POST", "/web/session/authenticate", payload, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200 or b'"error"' in answer:
            raise RuntimeError(f"cannot log in: {answer[:300]!r}")
        self.cookie = response.getheader("Set-Cookie").split(";")[0]
        connection.close()

    def call(self, model, method, args, kwargs=None):
        _status, answer = post_json(
            self.port,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            cookie=self.cookie,
        )
        result = json.loads(answer)
        if "error" in result:
            raise RuntimeError(json.dumps(result["error"])[:2000])
        return result["result"]


def base_import(session, rows):
    """Import ``rows`` with base_import as the import screen does; return seconds."""
    header = ["name", "email", "phone", "city", "country_id/id"]
    lines = [",".join(header)]
    for row in rows:
        data = row["data"]
        lines.append(f"{data['name']},{data['email']},{data['phone']},{data['city']},base.ma")
    wizard = session.call(
        "base_import.import",
        "create",
        [
            {
                "res_model": "res.partner",
                # raw text, as the import screen's upload stores it
                "file": "\n".join(lines) + "\n",
                "file_name": "contacts.csv",
                "file_type": "text/csv",
            }
        ],
    )
    wizard = wizard[0] if isinstance(wizard, list) else wizard
    options = {
        "encoding": "utf-8",
        "separator": ",",
        "quoting": '"',
        "has_headers": True,
        "advanced": True,
        "keep_matches": False,
        "date_format": "",
        "datetime_format": "",
        "float_thousand_separator": ",",
        "float_decimal_separator": ".",
        "fallback_values": {},
        "name_create_enabled_fields": {},
        "import_set_empty_fields": [],
        "import_skip_records": [],
        "sheets": [],
        "sheet": "",
        "limit": 2000,
        "skip": 0,
    }
    imported = 0
    started = time.perf_counter()
    while True:
        result = session.call(
            "base_import.import",
            "execute_import",
            [wizard, header, header, options],
            {"dryrun": False, "context": {"tracking_disable": True}},
        )
        errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
        if errors:
            raise RuntimeError(f"base_import failed: {errors[:3]}")
        imported += len(result.get("ids") or [])
        if not result.get("nextrow"):
            break
        options["skip"] = result["nextrow"]
    return time.perf_counter() - started, imported


def process(session, pg, backend_id, expected):
    """Ask the runner to process a backend's inbox; seconds until it is empty."""
    started = time.perf_counter()
    session.call("external.crm.backend", "action_process_inbox", [[backend_id]])
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        waiting = int(
            cluster.psql(
                pg,
                DATABASE,
                f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
                "AND state = 'received'",
            )
        )
        if waiting == 0:
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    done = int(
        cluster.psql(
            pg,
            DATABASE,
            f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
            "AND state = 'done' AND partner_id IS NOT NULL",
        )
    )
    if done != expected:
        raise RuntimeError(f"{done} of {expected} contacts processed")
    return seconds


# the kinds of requests of the receiving measure, sent in interleaved rounds
KINDS = (
    "trivial",
    "one statement",
    "one insert",
    "first single",
    "repeat single",
    "first batch",
    "repeat batch",
)


def prepare(work, rebuild):
    """The cluster, a fresh database with the reference table, and the backends."""
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    pg = work / "pg"
    cluster.start_cluster(pg)
    build_database(work, pg, rebuild)
    # the table of the reference route /bench/one_insert: the least a durable
    # inbox needs (an id, a time, the body), nothing else
    cluster.psql(
        pg,
        DATABASE,
        "CREATE TABLE bench_reference_inbox (id bigserial PRIMARY KEY, "
        "received_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'), body text NOT NULL)",
    )
    return pg, create_backends(pg)


def receiving_requests(single, backends):
    """The requests of every kind (unsigned: they are signed just before sending)."""
    halves = [backends["batch1"], backends["batch2"]]
    contacts = [contact("B", i) for i in range(CONTACTS)]
    json_headers = {"Content-Type": "application/json"}
    version_body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1})
    return {
        "trivial": [("/web/webclient/version_info", version_body.encode(), json_headers)] * single,
        # a route of tools/bench/addons that runs one SELECT 1 in its
        # transaction: what any route that touches the database costs at least
        "one statement": [("/bench/one_statement", b"{}", json_headers)] * single,
        # the same module's route that stores the raw body and commits: the
        # least any webhook that keeps its deliveries costs
        "one insert": [
            ("/bench/one_insert", json.dumps(contact("R", i)).encode(), json_headers)
            for i in range(single)
        ],
        "single path": f"/external_crm/webhook/{backends['single'][1]}",
        "singles": [json.dumps(contact("S", i)).encode() for i in range(single)],
        "contacts": contacts,
        "batches": [
            (
                f"/external_crm/webhook/{halves[(i // BATCH) * 2 // (CONTACTS // BATCH)][1]}",
                json.dumps(contacts[i : i + BATCH]).encode(),
            )
            for i in range(0, CONTACTS, BATCH)
        ],
    }


def warm_up_receiving(port, requests, backends, concurrency):
    """Warm the routes up (workers' caches), and store the contacts of the processing's
    warm-up; nothing of it is measured."""
    load(port, requests["trivial"][:200], concurrency)
    load(port, requests["one statement"][:200], concurrency)
    load(port, requests["one insert"][:200], concurrency)
    warm = [json.dumps(contact("W", i)).encode() for i in range(200)]
    load(port, [signed(requests["single path"], body) for body in warm], concurrency)
    # contacts for the warm-up of the processing (see measure_processing)
    warmup_path = f"/external_crm/webhook/{backends['warmup'][1]}"
    # (indexes far from the measured ones: no phone in common, nothing to match)
    warmup_contacts = [contact("WP", 90_000_000 + i) for i in range(WARMUP)]
    load(port, [signed(warmup_path, json.dumps(warmup_contacts).encode())], 1)


def requests_of(requests, kind, index, rounds):
    """The requests of ``kind`` in round ``index``."""
    # signed just before sending: the timestamps stay fresh
    if kind in ("trivial", "one statement", "one insert"):
        return requests[kind][index::rounds]
    if kind.endswith("single"):
        path = requests["single path"]
        return [signed(path, body) for body in requests["singles"][index::rounds]]
    return [signed(path, body) for path, body in requests["batches"][index::rounds]]


def send_rounds(port, requests, rounds, concurrency):
    """Send every kind of request in interleaved rounds, so that a change of load
    on the machine weighs on all of them alike; return seconds, statuses, timings."""
    seconds = dict.fromkeys(KINDS, 0.0)
    statuses = {kind: Counter() for kind in KINDS}
    timings = {kind: [] for kind in KINDS}
    for index in range(rounds):
        for kind in KINDS:
            elapsed, answered = load(
                port, requests_of(requests, kind, index, rounds), concurrency, timings[kind]
            )
            seconds[kind] += elapsed
            statuses[kind].update(answered)
    return seconds, statuses, timings


def print_receiving(requests, seconds, statuses):
    """The rates of every kind of request; return the ones the ratios use."""
    singles, batches = len(requests["singles"]), len(requests["batches"])
    lines = (
        # (key of the rate returned, label, kind, count, unit)
        ("trivial", "trivial JSON route", "trivial", len(requests["trivial"]), "requests"),
        (
            "one statement",
            "route with one SQL statement (SELECT 1)",
            "one statement",
            len(requests["one statement"]),
            "requests",
        ),
        (
            "one insert",
            "route with one INSERT of the body",
            "one insert",
            len(requests["one insert"]),
            "requests",
        ),
        ("single", "webhook, single-item deliveries", "first single", singles, "requests"),
        (None, "webhook, repeated single deliveries", "repeat single", singles, "requests"),
        (None, "webhook, batches of 100 (requests)", "first batch", batches, "requests"),
        ("batch items", "webhook, batches of 100 (items)", "first batch", CONTACTS, "items"),
        (None, "webhook, repeated batches of 100", "repeat batch", batches, "requests"),
    )
    rates = {}
    for key, label, kind, count, unit in lines:
        rate = rate_line(label, count, seconds[kind], statuses[kind], unit=unit)
        if key:
            rates[key] = rate
    return rates


def measure_receiving(args, work, pg, port, backends):
    """The receiving measure, without the job runner (the jobs wait)."""
    requests = receiving_requests(args.single, backends)
    server = Server(work, pg, port, with_runner=False).start()
    try:
        warm_up_receiving(port, requests, backends, args.concurrency)
        seconds, statuses, timings = send_rounds(port, requests, args.rounds, args.concurrency)
        print(f"\nReceiving ({args.rounds} interleaved rounds; figures of this run):")
        rates = print_receiving(requests, seconds, statuses)
    finally:
        server.stop()
    per_request = {
        "first single": seconds["first single"] / len(requests["singles"]),
        "repeat single": seconds["repeat single"] / len(requests["singles"]),
        "first batch": seconds["first batch"] / len(requests["batches"]),
        "repeat batch": seconds["repeat batch"] / len(requests["batches"]),
    }
    return requests["contacts"], rates, per_request, timings


def measure_processing(work, pg, port, backends, contacts):
    """Processing side by side with base_import, in two alternating halves.

    Returns the seconds of the processing, and the import's rate.
    """
    # the jobs queued by the deliveries are set aside: each half is started on
    # demand, so that the runner works on one thing at a time
    cluster.psql(pg, DATABASE, "UPDATE queue_job SET state = 'cancelled' WHERE state = 'pending'")
    server = Server(work, pg, port, with_runner=True).start()
    processing_s = import_s = 0.0
    imported = 0
    print("\nProcessing (inbox to partners by the queue_job runner, channel capacity 1) and")
    print("Odoo's base_import of the same contacts (CSV, batches of 2,000 rows), alternating:")
    try:
        session = Session(port)
        # warm-up, not measured: queue_job's runner waits 5 s after the
        # server starts before it dispatches anything, and the first job and
        # the first import of a worker fill its caches
        process(session, pg, backends["warmup"][0], WARMUP)
        base_import(session, [contact("WI", 91_000_000 + i) for i in range(WARMUP)])
        half = CONTACTS // 2
        for index, (backend_id, _token) in enumerate([backends["batch1"], backends["batch2"]]):
            seconds = process(session, pg, backend_id, half)
            processing_s += seconds
            rate_line(f"half {index + 1}: inbox to partners", half, seconds, {}, unit="contacts")
            seconds, count = base_import(session, contacts[index * half : (index + 1) * half])
            import_s += seconds
            imported += count
            rate_line(f"half {index + 1}: base_import", count, seconds, {}, unit="contacts")
        rate_line("10,000 contacts: inbox to partners", CONTACTS, processing_s, {}, unit="contacts")
        import_rate = rate_line(
            "10,000 contacts: base_import", imported, import_s, {}, unit="contacts"
        )
    finally:
        server.stop()
    return processing_s, import_rate


def at_least(label, value, target, shown):
    return label, value, f">= {shown}", value >= target


def under_repeat_cost(label, value):
    return label, value, f"< {TARGET_REPEAT_COST}", value < TARGET_REPEAT_COST


def target_results(rates, per_request, connector, processing_s, import_rate):
    """(label, value, target, met) of every target."""
    process_item_s = processing_s / CONTACTS
    processing_rate = CONTACTS / processing_s
    single_cost = per_request["first single"] + process_item_s
    batch_cost = per_request["first batch"] + BATCH * process_item_s
    own_single = connector["first single"] + process_item_s
    own_batch = connector["first batch"] + BATCH * process_item_s
    single_ratio = rates["single"] / rates["trivial"]
    return [
        at_least(
            "single-item deliveries / trivial route",
            single_ratio,
            TARGET_SINGLE_RATIO,
            TARGET_SINGLE_RATIO,
        ),
        at_least(
            "accepted items per second in batches of 100",
            rates["batch items"],
            TARGET_BATCH_ITEMS,
            f"{TARGET_BATCH_ITEMS:.0f}",
        ),
        at_least(
            "processing / base_import (contacts per second)",
            processing_rate / import_rate,
            TARGET_PROCESSING_RATIO,
            TARGET_PROCESSING_RATIO,
        ),
        under_repeat_cost(
            "repeated / first batch, whole request + processing",
            per_request["repeat batch"] / batch_cost,
        ),
        under_repeat_cost(
            "repeated / first batch, connector's own time + processing",
            connector["repeat batch"] / own_batch,
        ),
        under_repeat_cost(
            "repeated / first single, whole request + processing",
            per_request["repeat single"] / single_cost,
        ),
        under_repeat_cost(
            "repeated / first single, connector's own time + processing",
            connector["repeat single"] / own_single,
        ),
    ]


def print_details(args, rates, per_request, connector, process_item_s):
    """The ceiling, the cost of each delivery, and the reference routes."""
    ceiling = rates["trivial"]
    print(
        f"\nCeiling: {ceiling:.1f} requests/s; load average {os.getloadavg()[0]:.1f} "
        "at the end (other processes share the machine)."
    )
    ms = {name: value * 1000 for name, value in connector.items()}
    print(
        f"Per delivery, whole request ({args.concurrency} clients): "
        f"first single {per_request['first single'] * 1000:.2f} ms, "
        f"repeated single {per_request['repeat single'] * 1000:.2f} ms, "
        f"first batch {per_request['first batch'] * 1000:.1f} ms, "
        f"repeated batch {per_request['repeat batch'] * 1000:.1f} ms."
    )
    print(
        "Connector's own time in the request (Server-Timing, commit excluded): "
        f"first single {ms['first single']:.2f} ms, "
        f"repeated single {ms['repeat single']:.2f} ms, "
        f"first batch {ms['first batch']:.2f} ms, "
        f"repeated batch {ms['repeat batch']:.2f} ms; "
        f"processing {process_item_s * 1000:.2f} ms per contact."
    )
    single, one_statement, one_insert = rates["single"], rates["one statement"], rates["one insert"]
    print(
        "For information: the route with one SQL statement is "
        f"{one_statement / ceiling:.3f} x the trivial route, single-item deliveries "
        f"{single / one_statement:.3f} x the route with one SQL statement; the "
        f"route with one INSERT of the body is {one_insert / ceiling:.3f} x the trivial "
        f"route, single-item deliveries {single / one_insert:.3f} x that route."
    )


def measure(args):
    work = Path(args.work)
    pg, backends = prepare(work, args.rebuild)
    port = free_port()
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"Odoo on 127.0.0.1:{port}, 2 workers; {args.concurrency} concurrent clients; "
        f"work folder {work}"
    )
    contacts, rates, per_request, timings = measure_receiving(args, work, pg, port, backends)
    processing_s, import_rate = measure_processing(work, pg, port, backends, contacts)
    # the connector's own time per request (Server-Timing), mean of each kind
    connector = {
        name: sum(timings[name]) / len(timings[name]) if timings[name] else float("nan")
        for name in ("first single", "repeat single", "first batch", "repeat batch")
    }
    results = target_results(rates, per_request, connector, processing_s, import_rate)
    print_details(args, rates, per_request, connector, processing_s / CONTACTS)
    print("\nRatios of this run:")
    for label, value, target, ok in results:
        verdict = "met" if ok else "NOT met"
        print(f"  {label:<58} {value:9.3f}  target {target:<8} {verdict}")
    if not args.keep_cluster:
        cluster.stop_cluster(pg)
    return all(ok for _label, _value, _target, ok in results)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "bench-connector"))
    parser.add_argument("--single", type=int, default=3000, help="single-item deliveries")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--rebuild", action="store_true", help="build the template again")
    parser.add_argument("--keep-cluster", action="store_true", help="leave PostgreSQL running")
    args = parser.parse_args(argv)
    ok = measure(args)
    print("\nAll targets met." if ok else "\nSome targets are not met (see above).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
