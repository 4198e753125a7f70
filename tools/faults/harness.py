# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the fault scripts share: a private cluster, Odoo nodes, senders, verdicts.

A node is a real Odoo server (separate process, its own port, HTTP workers)
on the one database of the run; at most one of them loads queue_job's
runner, as in production. Deliveries go through the generic door over
HTTP, signed, from threads; a sender that gets no answer tries again, as
Zapier or HubSpot do. The verdict compares what was sent with what the
database holds: every item stored once, every record applied once, with
its newest version.
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
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "bench"))

import cluster  # noqa: E402  (tools/bench/cluster.py)

print = functools.partial(builtins.print, flush=True)

TEMPLATE = "faults_tmpl"
SECRET = "faults-secret"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def installed_version(pg):
    return cluster.psql(
        pg,
        TEMPLATE,
        "SELECT latest_version FROM ir_module_module "
        "WHERE name = 'external_crm_connector' AND state = 'installed'",
    )


def manifest_version():
    manifest = ROOT / "external_crm_connector" / "__manifest__.py"
    return ast.literal_eval(manifest.read_text())["version"]


def prepare(work, database):
    """A private cluster in ``work``, a fresh copy of the template, a generic backend.

    Returns ``(pg folder, backend id, webhook path)``.
    """
    work.mkdir(parents=True, exist_ok=True)
    pg = work / "pg"
    cluster.start_cluster(pg)
    if cluster.database_exists(pg, TEMPLATE) and installed_version(pg) != manifest_version():
        cluster.drop_database(pg, TEMPLATE)
    if not cluster.database_exists(pg, TEMPLATE):
        print("Building the template database (a few minutes)...")
        # fmt: off
        subprocess.run([
            sys.executable, "-m", "odoo", "--db_host", str(pg), "--db_port", "5432",
            "--db_user", "odoo", "--addons-path", str(ROOT), "-d", TEMPLATE,
            "-i", "external_crm_connector", "--without-demo=all",
            "--stop-after-init", "--log-level=warn", f"--logfile={work / 'install.log'}",
        ], check=True, cwd=ROOT)
        # fmt: on
    cluster.copy_template(pg, TEMPLATE, database)
    script = (
        "import json\n"
        "env.company.country_id = env.ref('base.ma')\n"
        "b = env['external.crm.backend'].create({'name': 'faults', 'provider': 'generic',\n"
        f"    'webhook_secret': {SECRET!r}, 'default_country_id': env.ref('base.ma').id}})\n"
        "env.cr.commit()\n"
        "print('BACKEND=' + json.dumps([b.id, b.webhook_token]))\n"
    )
    result = odoo_shell(pg, database, script)
    line = next(x for x in result.stdout.splitlines() if x.startswith("BACKEND="))
    backend_id, token = json.loads(line.split("=", 1)[1])
    return pg, backend_id, f"/external_crm/webhook/{token}"


class Node:
    """One Odoo server: its own process and port, ``workers`` HTTP workers."""

    def __init__(self, name, work, pg, database, runner=False, workers=2, channels="root:2"):
        self.name = name
        # the runner's server-wide channels (None: the channels of the database)
        self.channels = channels
        self.work = work
        self.pg = pg
        self.database = database
        self.runner = runner
        self.workers = workers
        self.port = free_port()
        self.process = None

    def start(self):
        log = self.work / f"node-{self.name}.log"
        env = dict(os.environ)
        if self.runner:
            env.update(
                {
                    "ODOO_QUEUE_JOB_HOST": "127.0.0.1",
                    "ODOO_QUEUE_JOB_PORT": str(self.port),
                    "ODOO_QUEUE_JOB_MAX_CAPACITY": "2",
                }
            )
            if self.channels:
                env["ODOO_QUEUE_JOB_CHANNELS"] = self.channels
        # the connector server-wide: while PostgreSQL is unreachable, its
        # webhook answers 503 (try again) instead of Odoo's 404
        load = (
            "base,web,queue_job,external_crm_connector"
            if self.runner
            else ("base,web,external_crm_connector")
        )
        odoo_bin = Path(sys.executable).with_name("odoo")
        # fmt: off
        cmd = [
            str(odoo_bin), "--gevent-port", str(free_port()),
            "--db_host", str(self.pg), "--db_port", "5432", "--db_user", "odoo",
            "--addons-path", str(ROOT), "-d", self.database, "--db-filter", f"^{self.database}$",
            "--http-interface", "127.0.0.1", "--http-port", str(self.port),
            "--workers", str(self.workers), "--max-cron-threads", "0", "--load", load,
            "--limit-time-real", "600", "--log-level", "warn", f"--logfile={log}",
        ]
        # fmt: on
        if self.runner:
            # "Worker WorkerJobRunner (<pid>) alive": which process is the runner
            cmd += ["--log-handler", "odoo.service.server:INFO"]
        self.process = subprocess.Popen(cmd, env=env, cwd=self.work, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, _answer = post(
                    self.port,
                    "/web/webclient/version_info",
                    b'{"jsonrpc": "2.0", "method": "call", "params": {}}',
                    {"Content-Type": "application/json"},
                )
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"node {self.name} did not start, see {log}")

    def worker_pids(self):
        """The pids of the node's HTTP workers (children of its master process)."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def runner_pids(self):
        """The pids of the job runner processes the node started, oldest first."""
        log = self.work / f"node-{self.name}.log"
        pids = []
        for line in log.read_text(errors="replace").splitlines():
            if "Worker WorkerJobRunner (" in line and line.rstrip().endswith("alive"):
                pids.append(int(line.split("Worker WorkerJobRunner (", 1)[1].split(")", 1)[0]))
        return pids

    def kill(self):
        """Kill the node and its workers at once (no clean shutdown)."""
        if self.process:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
            self.process = None

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def post(port, path, body, headers, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def signed_headers(body):
    timestamp = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Signature-Timestamp": timestamp,
        "X-Signature": "sha256=" + mac.hexdigest(),
    }


def versions(records, count, seed, prefix="fault"):
    """``count`` versions of each of ``records`` contacts, shuffled: ``[item]``.

    Event ids start with ``<prefix>-``, contact ids with ``<prefix>-C-``, and
    their e-mails end with ``@<prefix>.example``: a run's check counts its own.

    Version k of a record is named ``... v<k>`` and dated k minutes after the
    first: the newest is the one that must win, whatever the arrival order.
    """
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    items = []
    for record in range(records):
        for version in range(count):
            moment = start + timedelta(minutes=version)
            items.append(
                {
                    "event_id": f"{prefix}-{record}-{version}",
                    "object": "contact",
                    "id": f"{prefix}-C-{record}",
                    "updated_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "data": {
                        "name": f"Fault Contact {record} v{version}",
                        "email": f"contact.{record}@{prefix}.example",
                    },
                }
            )
    random.Random(seed).shuffle(items)
    return items


def send(nodes, path, items, batch, concurrency, retries=120):
    """Send ``items`` in batches to ``nodes`` in turn, from threads; retry what got no answer.

    Returns the statuses of the answers (a retried batch counts once per answer).
    """
    batches = [items[i : i + batch] for i in range(0, len(items), batch)]
    statuses = {}
    lock = threading.Lock()
    position = iter(range(len(batches)))

    def client():
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            body = json.dumps(batches[index]).encode()
            for attempt in range(retries):
                node = nodes[(index + attempt) % len(nodes)]
                try:
                    status, _answer = post(node.port, path, body, signed_headers(body))
                except (OSError, http.client.HTTPException):
                    with lock:
                        statuses["no answer"] = statuses.get("no answer", 0) + 1
                    time.sleep(0.5)
                    continue  # no answer: the sender tries again (maybe elsewhere)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                if status < 500:
                    break
                time.sleep(0.5)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def wait_processed(pg, database, backend_id, timeout=600):
    """Wait until no event of the backend waits in the inbox; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = int(
            cluster.psql(
                pg,
                database,
                f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
                "AND state = 'received'",
            )
        )
        if not waiting:
            return True
        time.sleep(0.5)
    return False


def count_events(pg, database, backend_id, state, prefix):
    return int(
        cluster.psql(
            pg,
            database,
            f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
            f"AND state = '{state}' AND external_event_id LIKE '{prefix}-%'",
        )
    )


def wait_started(pg, database, backend_id, prefix, timeout=60):
    """Wait until the first events of a run are applied: ``(applied, waiting)`` then."""
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = count_events(pg, database, backend_id, "done", prefix)
        if done:
            break
        time.sleep(0.05)
    return done, count_events(pg, database, backend_id, "received", prefix)


def wait_applied(pg, database, backend_id, prefix, count, timeout=300):
    """Wait until ``count`` events of a run are applied (or set aside as older
    versions): ``(applied, waiting in the inbox)`` then."""
    deadline = time.monotonic() + timeout
    applied = 0
    while time.monotonic() < deadline:
        applied = int(
            cluster.psql(
                pg,
                database,
                f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
                f"AND state != 'received' AND external_event_id LIKE '{prefix}-%'",
            )
        )
        if applied >= count:
            break
        time.sleep(0.05)
    return applied, count_events(pg, database, backend_id, "received", prefix)


def running_job(pg, database, node, method, timeout=60):
    """The job of ``method`` that a worker of ``node`` runs now: ``(pid, uuid)``.

    queue_job writes the pid of the process running a job on it
    (``worker_pid``); the pid must be a live child of the node, not a
    worker already gone. ``(None, None)`` when none ran within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = cluster.psql(
            pg,
            database,
            "SELECT worker_pid, uuid FROM queue_job WHERE state = 'started' "
            f"AND method_name = '{method}' AND worker_pid IS NOT NULL ORDER BY date_started",
        )
        children = set(node.worker_pids())
        for line in rows.splitlines():
            pid, uuid = line.split("|")
            if int(pid) in children:
                return int(pid), uuid
        time.sleep(0.05)
    return None, None


def odoo_shell(pg, database, script):
    """Run ``script`` in an Odoo shell on ``database``; the finished process."""
    # fmt: off
    return subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "--db_host", str(pg), "--db_port", "5432",
         "--db_user", "odoo", "--addons-path", str(ROOT), "-d", database, "--no-http",
         "--log-level=warn"],
        input=script, text=True, capture_output=True, check=True, cwd=ROOT,
    )
    # fmt: on


class Verdict:
    """Checks with a PASS/FAIL line each; ``ok`` when every one passed."""

    def __init__(self):
        self.ok = True

    def check(self, label, passed, detail=""):
        self.ok = self.ok and passed
        print(f"  {'PASS' if passed else 'FAIL'}  {label}{': ' + detail if detail else ''}")


def check_applied(verdict, pg, database, backend_id, items, prefix="fault"):
    """Every item stored once, one partner and one binding per record, the newest version.

    ``items`` were made by ``versions`` with ``prefix``.
    """
    sent = {item["event_id"] for item in items}
    stored = int(
        cluster.psql(
            pg,
            database,
            f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
            f"AND external_event_id LIKE '{prefix}-%'",
        )
    )
    verdict.check(
        "every item stored once", stored == len(sent), f"{stored} stored, {len(sent)} sent"
    )
    records = {item["id"] for item in items}
    newest = {}
    for item in items:
        if item["id"] not in newest or item["updated_at"] > newest[item["id"]]["updated_at"]:
            newest[item["id"]] = item
    rows = cluster.psql(
        pg,
        database,
        "SELECT b.external_id, p.name FROM external_crm_binding b "
        f"JOIN res_partner p ON p.id = b.partner_id WHERE b.backend_id = {backend_id} "
        f"AND b.external_id LIKE '{prefix}-C-%'",
    )
    bound = dict(line.split("|", 1) for line in rows.splitlines() if line)
    verdict.check("one binding per record", len(bound) == len(records), f"{len(bound)} bindings")
    partners = int(
        cluster.psql(
            pg, database, f"SELECT count(*) FROM res_partner WHERE email LIKE '%@{prefix}.example'"
        )
    )
    verdict.check("no duplicate partner", partners == len(records), f"{partners} partners")
    wrong = [
        external_id
        for external_id, name in bound.items()
        if name != newest[external_id]["data"]["name"]
    ]
    verdict.check(
        "each record holds its newest version", not wrong, f"{len(wrong)} not" if wrong else ""
    )
    failed = int(
        cluster.psql(
            pg,
            database,
            f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
            f"AND state = 'failed' AND external_event_id LIKE '{prefix}-%'",
        )
    )
    verdict.check("no event failed", failed == 0, f"{failed} failed")


# the arguments of the scenarios that post versions of contacts
CONTACT_ARGUMENTS = (
    ("--records", {"type": int, "default": 60}),
    ("--versions", {"type": int, "default": 5}),
)


@dataclass
class Scenario:
    """What a fault script's scenario works with: its cluster, backend, nodes, verdict."""

    args: argparse.Namespace
    work: Path
    database: str
    pg: Path
    backend_id: int
    path: str
    verdict: Verdict = field(default_factory=Verdict)
    nodes: list = field(default_factory=list)

    def node(self, name, runner=False, workers=2, channels="root:2"):
        """A started node, stopped at the end of the scenario whatever happens."""
        node = Node(
            name,
            self.work,
            self.pg,
            self.database,
            runner=runner,
            workers=workers,
            channels=channels,
        )
        self.nodes.append(node)
        return node.start()

    def check_applied(self, items, prefix):
        check_applied(self.verdict, self.pg, self.database, self.backend_id, items, prefix)

    def processed(self, label="processed", timeout=900):
        self.verdict.check(
            label, wait_processed(self.pg, self.database, self.backend_id, timeout=timeout)
        )


def run_scenario(doc, database, scenario, arguments=CONTACT_ARGUMENTS, argv=None):
    """Run a fault script: parse ``arguments`` (and ``--work``), prepare, ``scenario(run)``.

    The nodes and the cluster are stopped whatever happens; prints the
    verdict and returns the exit status (1 when a check failed).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for flag, options in arguments:
        parser.add_argument(flag, **options)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "crm-faults"))
    args = parser.parse_args(argv)
    work = Path(args.work)
    pg, backend_id, path = prepare(work, database)
    run = Scenario(args, work, database, pg, backend_id, path)
    try:
        scenario(run)
    finally:
        for node in run.nodes:
            node.stop()
        cluster.stop_cluster(work / "pg")
    print("verdict: " + ("PASS" if run.verdict.ok else "FAIL"))
    return 0 if run.verdict.ok else 1
