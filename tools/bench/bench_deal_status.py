#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order status of 2,000 deals written back, per provider, against its batch limits.

For HubSpot, Salesforce, Zoho CRM, Pipedrive (their fake APIs, real HTTP
servers on loopback, from the connector's tests) and the generic door's
outbound webhooks (a fake receiver checking each signature), 2,000 bound
deals get a changed status and the write-back job runs: the requests each
fake saw, beside the fewest the provider's batch limit allows, the deals
per request, and the seconds. The job is the one queue_job runs
(``_write_deal_status``), on a copy of ``bench_orders.py``'s template.

    python3 tools/bench/bench_deal_status.py
    python3 tools/bench/bench_deal_status.py --deals 500

Target (order-to-cash issue): as few requests as the batch limits allow.
"""

import argparse
import builtins
import functools
import importlib
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_orders
import cluster
from dataset import DEFAULT_PG_DIR, BenchDatabase, install_modules, start_cluster

print = functools.partial(builtins.print, flush=True)

RUN_DB = "bench_status_run"
# the deals each provider's API takes in one write (the fewest requests)
BATCH_LIMITS = {"hubspot": 100, "salesforce": 200, "zoho": 100, "pipedrive": 1, "generic": 100}
FIGURES = (
    "order",
    "state",
    "invoiced",
    "due",
    "paid",
    "payment_date",
    "paid_in_full",
    "overdue_days",
)


def fakes_module(name):
    return importlib.import_module(f"odoo.addons.external_crm_connector.tests.{name}")


def status_names(name_of):
    return {f"status_{figure}_property": name_of(figure) for figure in FIGURES}


def start_fakes():
    """``{provider: (fake, backend values, property names, how the fake holds a deal)}``."""
    hubspot = fakes_module("fake_hubspot").FakeHubSpot(token="pat-bench").start()
    salesforce = fakes_module("fake_salesforce").FakeSalesforce().start()
    zoho = fakes_module("fake_zoho").FakeZoho().start()
    pipedrive = fakes_module("fake_pipedrive").FakePipedrive(token="pd-bench").start()
    receiver = fakes_module("fake_receiver").FakeReceiver("bench-secret").start()
    sf_id = importlib.import_module(
        "odoo.addons.external_crm_connector.adapters.salesforce.ids"
    ).id18
    return {
        "hubspot": (
            hubspot,
            {"api_token": "pat-bench", "api_base_url": hubspot.url, "webhook_secret": "x"},
            status_names(lambda figure: f"odoo_{figure}"),
            lambda number: (str(8_000_000 + number), lambda i: hubspot.add("deal", i, {})),
        ),
        "salesforce": (
            salesforce,
            {
                "webhook_secret": salesforce.client_secret,
                "salesforce_organization_id": salesforce.organization_id,
                "salesforce_login_url": salesforce.url,
                "salesforce_client_id": salesforce.client_id,
                "salesforce_refresh_token": salesforce.refresh_token,
            },
            status_names(lambda figure: f"Odoo_{figure.title()}__c"),
            lambda number: (
                sf_id(f"0065e{number:010d}"),
                lambda i: salesforce.add("Opportunity", i, {"Name": i}),
            ),
        ),
        "zoho": (
            zoho,
            {
                "webhook_secret": "zoho-channel",
                "zoho_accounts_url": zoho.url,
                "zoho_client_id": zoho.client_id,
                "zoho_client_secret": zoho.client_secret,
                "zoho_refresh_token": zoho.refresh_token,
                "api_base_url": zoho.url,
            },
            status_names(lambda figure: f"Odoo_{figure.title()}"),
            lambda number: (
                str(4_150_868_000_000_300_000 + number),
                lambda i: zoho.add("deal", i, {"Deal_Name": i}),
            ),
        ),
        "pipedrive": (
            pipedrive,
            {
                "webhook_secret": "pd-password",
                "pipedrive_webhook_user": "odoo",
                "api_token": "pd-bench",
                "api_base_url": pipedrive.url,
            },
            status_names(lambda figure: f"{figure:x<40}"[:40]),
            lambda number: (str(50_000 + number), lambda i: pipedrive.add("deal", i, {})),
        ),
        "generic": (
            receiver,
            {"webhook_secret": "bench-secret", "outbound_url": receiver.hook_url},
            status_names(lambda figure: f"odoo_{figure}"),
            lambda number: (f"ext-D-{number}", lambda i: None),
        ),
    }


def bench(env, count):
    """Write ``count`` deals per provider; print and return the figures."""
    env["ir.config_parameter"].set_param("external_crm_connector.allow_loopback", True)
    env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
    connector_edit = importlib.import_module(
        "odoo.addons.external_crm_connector.models.external_crm_protected_mixin"
    ).connector_edit
    customer = env["res.partner"].create({"name": "Bench status", "is_company": True})
    leads = env["crm.lead"].create(
        [
            {"name": f"Deal {n}", "type": "opportunity", "partner_id": customer.id}
            for n in range(count)
        ]
    )
    results = {}
    for code, (fake, values, names, deal_of) in start_fakes().items():
        try:
            backend = env["external.crm.backend"].create(
                {
                    "name": f"Bench status {code}",
                    "provider": code,
                    "status_enabled": True,
                    "default_country_id": env.ref("base.ma").id,
                    **values,
                    **names,
                }
            )
            bindings = []
            for number, lead in enumerate(leads):
                external_id, put = deal_of(number)
                put(external_id)
                bindings.append(
                    {
                        "backend_id": backend.id,
                        "object_kind": "deal",
                        "external_id": external_id,
                        "lead_id": lead.id,
                    }
                )
            bindings = connector_edit(env["external.crm.binding"]).create(bindings)
            env.cr.commit()
            updates = [
                [
                    binding.id,
                    {
                        names["status_order_property"]: f"S{number:05d}",
                        names["status_state_property"]: "sale",
                        names["status_invoiced_property"]: 1000.0 + number,
                        names["status_due_property"]: 400.0,
                        names["status_paid_property"]: 600.0 + number,
                        names["status_payment_date_property"]: "2026-12-01",
                        names["status_paid_in_full_property"]: False,
                        names["status_overdue_days_property"]: number % 30,
                    },
                ]
                for number, binding in enumerate(bindings)
            ]
            fake.requests = []
            integration = backend._as_integration_user()
            started = time.perf_counter()
            result = integration._write_deal_status(updates)
            seconds = time.perf_counter() - started
            writes = [
                request
                for request in fake.requests
                if request[0] in ("POST", "PATCH", "PUT")
                and "token" not in request[1]
                and "/oauth" not in request[1]
            ]
            written = len(bindings.filtered("status_values"))
            fewest = math.ceil(count / BATCH_LIMITS[code])
            results[code] = (len(writes), fewest, written, seconds)
            print(
                f"{code:10}: {written} deals written in {len(writes)} requests "
                f"(fewest the batch limit allows: {fewest}; {written / max(len(writes), 1):.0f} "
                f"deals per request) in {seconds:.2f} s; job result: {result[:60]}"
            )
        finally:
            fake.stop()
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR))
    args = parser.parse_args(argv)
    pg_dir = Path(args.pg_dir)
    host, port, user = start_cluster(pg_dir)
    template = BenchDatabase(bench_orders.TEMPLATE, pg_dir, host, port, user)
    if not cluster.database_exists(host, bench_orders.TEMPLATE, user):
        install_modules(template, "external_crm_connector,sale_crm")
        bench_orders.run_worker(template, "template")
    cluster.copy_template(host, bench_orders.TEMPLATE, RUN_DB, user)
    run_db = BenchDatabase(RUN_DB, pg_dir, host, port, user)
    # committed: the generic door's log is written in a transaction of its own,
    # which must see the backend (the run database is a throwaway copy)
    with run_db.environment(uid=1, commit=True) as env:
        results = bench(env, args.deals)
    missed = [code for code, (requests, fewest, *_rest) in results.items() if requests > fewest]
    print("requests against the batch limits: " + ("met" if not missed else f"missed: {missed}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
