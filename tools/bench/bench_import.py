#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Initial import of external_crm_connector per provider (issue 6).

For each provider with a fake API server, imports N contacts from it (the
pages of the initial import stored in the inbox, then processed into
partners) and, in the same run, takes the same N contacts through the
generic JSON path (deliveries of 100 items stored as the webhook stores
them, then processed). Each path runs in a worker process of its own, on a
fresh copy of the database, and reports its contacts per second and its
peak memory (maximum resident set size). The fake servers run in this
process, so that their data does not count in the worker's memory.
Two sizes show whether memory stays flat in the number of records.

    python3 tools/bench/bench_import.py                     # 5,000 and 20,000 contacts
    python3 tools/bench/bench_import.py --sizes 2000        # quicker

Targets (issue 6): each provider within 1.5 times the generic path's time,
memory flat in the number of records (pages, not lists of everything).
"""

import argparse
import builtins
import functools
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster
from dataset import DEFAULT_PG_DIR, BenchDatabase, install_modules, start_cluster


def _fakes():
    """The fake API servers of the connector's tests (standard library only).

    Loaded as a package of their own, without the tests' ``__init__`` (which
    needs Odoo's addons path).
    """
    package = types.ModuleType("connector_fakes")
    package.__path__ = [
        str(Path(__file__).resolve().parents[2] / "external_crm_connector" / "tests")
    ]
    sys.modules["connector_fakes"] = package
    return {
        name: getattr(importlib.import_module(f"connector_fakes.{module}"), name)
        for module, name in (
            ("fake_hubspot", "FakeHubSpot"),
            ("fake_pipedrive", "FakePipedrive"),
            ("fake_salesforce", "FakeSalesforce"),
            ("fake_zoho", "FakeZoho"),
        )
    }


FAKE_CLASSES = _fakes()
FakeHubSpot = FAKE_CLASSES["FakeHubSpot"]
FakePipedrive = FAKE_CLASSES["FakePipedrive"]
FakeSalesforce = FAKE_CLASSES["FakeSalesforce"]
FakeZoho = FAKE_CLASSES["FakeZoho"]

print = functools.partial(builtins.print, flush=True)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "bench_import_tmpl"
WORKER_DB = "bench_import_run"
TARGET_RATIO = 1.5
STORE_BATCH = 100
TOKEN = "pat-bench-import"


def contact(index):
    return {
        "firstname": "Person",
        "lastname": f"{index:06d}",
        "email": f"person{index}@import.example",
        "phone": f"+212 522-{index % 1000000:06d}",
    }


# -- fake servers (in this process) ------------------------------------------


def start_hubspot(count):
    fake = FakeHubSpot(token=TOKEN)
    for index in range(count):
        fake.add("contact", 100000 + index, contact(index))
    fake.start()
    backend = {
        "provider": "hubspot",
        "api_token": TOKEN,
        "api_base_url": fake.url,
        "webhook_secret": "bench-secret",
    }
    return fake, backend


def start_pipedrive(count):
    fake = FakePipedrive(token=TOKEN)
    for index in range(count):
        person = contact(index)
        fake.add(
            "contact",
            100000 + index,
            {
                "name": f"{person['firstname']} {person['lastname']}",
                "emails": [{"label": "work", "primary": True, "value": person["email"]}],
                "phones": [{"label": "work", "primary": True, "value": person["phone"]}],
            },
        )
    fake.start()
    backend = {
        "provider": "pipedrive",
        "api_token": TOKEN,
        "api_base_url": fake.url,
        "webhook_secret": "bench-secret",
        "pipedrive_webhook_user": "bench",
    }
    return fake, backend


def start_salesforce(count):
    organization = "00D5e000000AbCdEAK"
    fake = FakeSalesforce(organization_id=organization)
    for index in range(count):
        person = contact(index)
        fake.add(
            "Contact",
            f"0035e{index:010d}",
            {
                "FirstName": person["firstname"],
                "LastName": person["lastname"],
                "Email": person["email"],
                "Phone": person["phone"],
            },
        )
    fake.start()
    backend = {
        "provider": "salesforce",
        "webhook_secret": fake.client_secret,
        "salesforce_organization_id": organization,
        "salesforce_login_url": fake.url,
        "salesforce_client_id": fake.client_id,
        "salesforce_refresh_token": fake.refresh_token,
    }
    return fake, backend


def start_zoho(count):
    fake = FakeZoho()
    for index in range(count):
        person = contact(index)
        fake.add(
            "contact",
            4000000000 + index,
            {
                "First_Name": person["firstname"],
                "Last_Name": person["lastname"],
                "Email": person["email"],
                "Phone": person["phone"],
            },
        )
    fake.start()
    backend = {
        "provider": "zoho",
        "webhook_secret": "bench-channel-token",
        "zoho_data_centre": "eu",
        "zoho_accounts_url": fake.url,
        "zoho_client_id": fake.client_id,
        "zoho_client_secret": fake.client_secret,
        "zoho_refresh_token": fake.refresh_token,
        "api_base_url": fake.url,
    }
    return fake, backend


FAKES = {
    "hubspot": start_hubspot,
    "pipedrive": start_pipedrive,
    "salesforce": start_salesforce,
    "zoho": start_zoho,
}


# -- worker (one process per path) -------------------------------------------


def generic_delivery(start, count):
    """The body of one generic JSON delivery: contacts ``start`` to ``start + STORE_BATCH``."""
    return json.dumps(
        [
            {
                "object": "contact",
                "id": f"g-{index}",
                "updated_at": "2026-11-20T10:00:00Z",
                "data": {
                    "name": f"Person {index:06d}",
                    "email": f"person{index}@import.example",
                    "phone": f"+212 522-{index % 1000000:06d}",
                },
            }
            for index in range(start, min(start + STORE_BATCH, count))
        ]
    ).encode()


def store_generic(env, backend, integration, count):
    """Store ``count`` contacts in the inbox as the webhook stores generic deliveries."""
    # importable once the registry has set Odoo's addons path up
    get_provider = importlib.import_module(
        "odoo.addons.external_crm_connector.adapters.provider"
    ).get_provider
    provider = get_provider(backend)
    for start in range(0, count, STORE_BATCH):
        integration.env["external.crm.event"]._store_items(
            integration, provider.parse_delivery(generic_delivery(start, count))
        )
        env.cr.commit()


def import_pages(env, backend, integration, count):
    """Run the initial import page by page (stored in the inbox) until no cursor is left."""
    backend.action_start_import()
    env.cr.commit()
    for _page in range(10 * count):
        cursor = backend.cursor_ids.filtered(lambda c: c.state in ("waiting", "running"))
        if not cursor:
            break
        cursor[:1].with_env(integration.env)._import_next_page()
        env.cr.commit()


def process_inbox(env, integration):
    """Process the inbox into partners, batch by batch; return its CPU time and queries."""
    # CPU time and queries of the processing: a wall time far above the
    # CPU time means the machine was busy with something else
    cpu_stored = time.process_time()
    queries = env.cr.sql_log_count
    while True:
        events, _more = integration.env["external.crm.event"]._inbox_batch(integration)
        if not events:
            break
        integration._process_inbox()
        env.cr.commit()
        env.invalidate_all()
    return time.process_time() - cpu_stored, env.cr.sql_log_count - queries


def worker(args):
    """Run one path in this process; print one JSON line of figures."""
    pg_dir = Path(args.pg_dir)
    host, port, user = start_cluster(pg_dir)
    bench_db = BenchDatabase(WORKER_DB, pg_dir, host, port, user)
    backend_values = json.loads(args.backend)
    with bench_db.environment(uid=1, commit=True) as env:
        env = env(context=dict(env.context, tracking_disable=True))
        # the fake APIs listen on http://127.0.0.1: allowed for benchmarks only
        env["ir.config_parameter"].set_param("external_crm_connector.allow_loopback", "1")
        backend = env["external.crm.backend"].create(
            {"name": f"Bench {args.path}", "default_country_id": env.ref("base.ma").id}
            | backend_values
        )
        env.cr.commit()
        integration = backend._as_integration_user()
        started = time.perf_counter()
        if args.path == "generic":
            store_generic(env, backend, integration, args.count)
        else:
            import_pages(env, backend, integration, args.count)
        stored = time.perf_counter()
        cpu, queries = process_inbox(env, integration)
        finished = time.perf_counter()
        created = env["external.crm.binding"].search_count(
            [("backend_id", "=", backend.id), ("object_kind", "=", "contact")]
        )
        failed = env["external.crm.event"].search_count(
            [("backend_id", "=", backend.id), ("state", "!=", "done")]
        )
    print(
        json.dumps(
            {
                "store": stored - started,
                "process": finished - stored,
                "total": finished - started,
                "process_cpu": cpu,
                "queries": queries,
                "contacts": created,
                "not_done": failed,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


# -- parent ------------------------------------------------------------------


def run_worker(bench_db, path, count, backend_values):
    """A fresh copy of the template, then the path in a worker process."""
    cluster.copy_template(bench_db.host, TEMPLATE, WORKER_DB, bench_db.user)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            path,
            "--count",
            str(count),
            "--pg-dir",
            str(bench_db.pg_dir),
            "--backend",
            json.dumps(backend_values),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd="/tmp",
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_template(pg_dir, rebuild):
    host, port, user = start_cluster(pg_dir)
    bench_db = BenchDatabase(TEMPLATE, pg_dir, host, port, user)
    if rebuild or not cluster.database_exists(host, TEMPLATE, user):
        cluster.drop_database(host, TEMPLATE, user)
        install_modules(bench_db, "external_crm_connector")
    return bench_db


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--providers", default=",".join(FAKES))
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.path = args.worker
        return worker(args)
    pg_dir = Path(args.pg_dir).resolve()
    bench_db = ensure_template(pg_dir, args.rebuild)
    sizes = [int(size) for size in args.sizes.split(",")]
    providers = [name for name in args.providers.split(",") if name]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    results = {}
    for size in sizes:
        results.update(run_size(bench_db, size, providers))
    missed = print_ratios(results, sizes, providers)
    print(
        f"\nload average {os.getloadavg()[0]:.1f} at the end; "
        + ("some targets are not met." if missed else "time targets met.")
    )


def run_size(bench_db, size, providers):
    """The generic path and every provider's import of ``size`` contacts; print their figures."""
    results = {}
    results["generic", size] = run_worker(
        bench_db,
        "generic",
        size,
        {"provider": "generic", "webhook_secret": "bench-secret", "generic_auth": "hmac"},
    )
    for name in providers:
        fake, backend_values = FAKES[name](size)
        try:
            results[name, size] = run_worker(bench_db, "import", size, backend_values)
        finally:
            fake.stop()
    for name in ("generic", *providers):
        figures = results[name, size]
        print(
            f"  {name:10} {size:6d} contacts: {figures['total']:7.1f} s "
            f"({figures['contacts'] / figures['total']:6.1f}/s; stored in "
            f"{figures['store']:.1f} s, processed in {figures['process']:.1f} s "
            f"with {figures['process_cpu']:.1f} s of CPU and {figures['queries']} queries), "
            f"peak {figures['peak_mb']:.0f} MB, {figures['contacts']} partners, "
            f"{figures['not_done']} events not done"
        )
    return results


def print_ratios(results, sizes, providers):
    """Each provider's time against the generic path's, and its memory growth; missed?"""
    print("\nRatios (time of the provider / time of the generic path; memory growth):")
    missed = False
    for name in providers:
        for size in sizes:
            ratio = results[name, size]["total"] / results["generic", size]["total"]
            missed |= ratio > TARGET_RATIO
            print(f"  {name:10} {size:6d} contacts: {ratio:.2f} x  (target <= {TARGET_RATIO})")
        if len(sizes) > 1:
            growth = results[name, sizes[-1]]["peak_mb"] / results[name, sizes[0]]["peak_mb"]
            base = (
                results["generic", sizes[-1]]["peak_mb"] / results["generic", sizes[0]]["peak_mb"]
            )
            print(
                f"  {name:10} peak memory x{growth:.2f} from {sizes[0]} to {sizes[-1]} "
                f"contacts (generic path: x{base:.2f})"
            )
    return missed


if __name__ == "__main__":
    main()
