#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot down for minutes: the import, the pull and the write-back complete, once, politely.

One Odoo node with 2 HTTP workers and queue_job's runner, a HubSpot backend
calling the fake HubSpot of the connector's tests (a real HTTP server, in
this process). The API goes down three times, each time for ``--outage``
seconds, split in three phases: every call answers 500, then 429 with
``Retry-After: --retry-after``, then is accepted and never answered (the
backend's API timeout is ``--timeout``):

a. in the middle of the initial import of companies, contacts and deals;
b. while a catch-up pull reads the records changed since;
c. while the customers' financial status is written back.

Verdict, after each: everything completes (partners, bindings and
opportunities, or the written statuses, against what the fake holds;
nothing twice, no cursor failed). And over the whole run, from the time
of every call the fake saw: the requests per second (the most in any 1 s
window), no call before a Retry-After the fake gave had expired, and during
the 500s and the unanswered calls at most 4 attempts per job run (the
client's attempts within a call), job runs at least 10 s apart (the first
step of queue_job's retry pattern of these jobs).

    python3 tools/faults/provider_outage.py [--companies 150] [--contacts 150] [--deals 100]
        [--outage 180] [--retry-after 10] [--timeout 10] [--work DIR]

Exit status 1 when a check fails.
"""

import importlib
import json
import sys
import threading
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, cluster, odoo_shell, print, run_scenario

DATABASE = "faults_provider_outage"
TOKEN = "pat-faults-outage"
ARGUMENTS = (
    ("--companies", {"type": int, "default": 150}),
    ("--contacts", {"type": int, "default": 150}),
    ("--deals", {"type": int, "default": 100}),
    ("--outage", {"type": float, "default": 180.0, "help": "seconds of each outage"}),
    ("--retry-after", {"type": int, "default": 10, "help": "seconds of the 429s' Retry-After"}),
    ("--timeout", {"type": int, "default": 10, "help": "the backend's API timeout (s)"}),
)
# the client's attempts within one call, and the first step of the retry
# pattern of the page and write-back jobs (data/queue_job_data.xml)
ATTEMPTS = 4
FIRST_RETRY = 10.0
COMPANY, CONTACT, DEAL = 100000, 200000, 300000


def fakes():
    """The fake servers of the connector's tests, without the tests' ``__init__``."""
    package = types.ModuleType("connector_fakes")
    package.__path__ = [str(ROOT / "external_crm_connector" / "tests")]
    sys.modules.setdefault("connector_fakes", package)
    return (
        importlib.import_module("connector_fakes.fake_hubspot"),
        importlib.import_module("connector_fakes.fake_server"),
    )


fake_hubspot, fake_server = fakes()
HANG = fake_server.HANG


def start_fake(args):
    """A fake HubSpot holding ``--companies``, ``--contacts`` and ``--deals``."""
    fake = fake_hubspot.FakeHubSpot(token=TOKEN)
    for index in range(args.companies):
        fake.add("company", COMPANY + index, {"name": f"Outage Company {index}"})
    for index in range(args.contacts):
        fake.add(
            "contact",
            CONTACT + index,
            {
                "firstname": "Outage",
                "lastname": f"Contact {index}",
                "email": f"contact.{index}@outage.example",
            },
        )
    for index in range(args.deals):
        fake.add(
            "deal",
            DEAL + index,
            {
                "dealname": f"Outage Deal {index}",
                "amount": "1000",
                "dealstage": "appointmentscheduled",
            },
            company=COMPANY + index % max(args.companies, 1),
        )
    return fake.start()


def hubspot_backend(run, fake, **values):
    """A HubSpot backend calling ``fake``: its id."""
    settings = {
        "name": "outage",
        "provider": "hubspot",
        "api_token": TOKEN,
        "api_base_url": fake.url,
        "webhook_secret": "outage-secret",
        **values,
    }
    result = odoo_shell(
        run.pg,
        run.database,
        "import json\n"
        "env['ir.config_parameter'].set_param('external_crm_connector.allow_loopback', '1')\n"
        f"values = json.loads({json.dumps(settings)!r})\n"
        "values['default_country_id'] = env.ref('base.ma').id\n"
        "b = env['external.crm.backend'].create(values)\n"
        "env.cr.commit()\n"
        "print('HUBSPOT=%s' % b.id)\n",
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("HUBSPOT="))
    return int(line.split("=", 1)[1])


def act(run, backend_id, code):
    """Run ``code`` with ``b`` the backend, as an administrator clicks a button; commit."""
    odoo_shell(
        run.pg,
        run.database,
        f"b = env['external.crm.backend'].browse({backend_id})\n{code}\nenv.cr.commit()\n",
    )


def sql(run, query):
    return cluster.psql(run.pg, run.database, query)


def number(run, query):
    return int(sql(run, query) or 0)


def wait_for(condition, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def settled(run, backend_id):
    """No job of the backend will still run, no event waits in its inbox."""
    channel = sql(
        run,
        "SELECT c.complete_name FROM external_crm_backend b "
        f"JOIN queue_job_channel c ON c.id = b.channel_id WHERE b.id = {backend_id}",
    )
    jobs = number(
        run,
        f"SELECT count(*) FROM queue_job WHERE channel = '{channel}' "
        "AND state IN ('pending', 'enqueued', 'started', 'wait_dependencies')",
    )
    waiting = number(
        run,
        f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
        "AND state = 'received'",
    )
    return not jobs and not waiting


class Outage(threading.Thread):
    """500s, then 429s with Retry-After, then calls never answered: ``seconds`` in all."""

    def __init__(self, fake, seconds, retry_after):
        super().__init__(daemon=True)
        self.fake = fake
        self.phases = [(500, None), (429, retry_after), (HANG, None)]
        self.seconds = seconds

    def run(self):
        for phase in self.phases:
            self.fake.down = phase
            time.sleep(self.seconds / len(self.phases))
        self.fake.down = None


def outage(fake, seconds, retry_after):
    thread = Outage(fake, seconds, retry_after)
    thread.start()
    return thread


def check_import_after_kill(run, backend_id, fake, begun, total):
    """An initial import interrupted by a kill at ``begun`` (monotonic time),
    of ``total`` pages: it settles, completes, and stores each record once."""
    complete = wait_for(lambda: settled(run, backend_id), 900, step=1)
    print(f"  settled {time.monotonic() - begun:.0f} s after the kill")
    run.verdict.check("the import completed", complete)
    check_cursors(run, backend_id, "external_crm_sync_cursor", "done", "import")
    check_imported(run, backend_id, fake, "import")
    events = number(run, f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id}")
    held = sum(len(fake.objects[kind]) for kind in ("company", "contact", "deal"))
    run.verdict.check("each record stored once", events == held, f"{events} events, {held} held")
    reads = len(fake.calls("/crm/v3/objects/", "GET"))
    print(f"  {reads} pages read from the fake for {total} pages (a killed page is read again)")


def check_imported(run, backend_id, fake, label):
    """Partners, bindings, opportunities and events against what ``fake`` holds."""
    verdict = run.verdict
    held = {kind: len(fake.objects[kind]) for kind in ("company", "contact", "deal")}
    rows = sql(
        run,
        "SELECT object_kind, count(*), count(DISTINCT external_id) FROM external_crm_binding "
        f"WHERE backend_id = {backend_id} GROUP BY object_kind",
    )
    bound = {}
    for line in rows.splitlines():
        kind, count, distinct = line.split("|")
        bound[kind] = (int(count), int(distinct))
    for kind, count in held.items():
        got = bound.get(kind, (0, 0))
        verdict.check(
            f"{label}: one binding per {kind}",
            got == (count, count),
            f"{got[0]} bindings of {got[1]} {kind}s, the fake holds {count}",
        )
    partners = number(
        run,
        "SELECT count(DISTINCT p.id) FROM res_partner p JOIN external_crm_binding b "
        f"ON b.partner_id = p.id WHERE b.backend_id = {backend_id} "
        "AND b.object_kind IN ('company', 'contact')",
    )
    expected = held["company"] + held["contact"]
    verdict.check(
        f"{label}: one partner per company and contact",
        partners == expected,
        f"{partners} partners, {expected} expected",
    )
    named = number(
        run,
        "SELECT count(*) FROM res_partner WHERE name LIKE 'Outage Company %' "
        "OR email LIKE '%@outage.example'",
    )
    verdict.check(f"{label}: no partner twice", named == expected, f"{named} partners")
    leads = number(
        run,
        "SELECT count(DISTINCT l.id) FROM crm_lead l JOIN external_crm_binding b "
        f"ON b.lead_id = l.id WHERE b.backend_id = {backend_id} AND b.object_kind = 'deal'",
    )
    all_leads = number(run, "SELECT count(*) FROM crm_lead WHERE name LIKE 'Outage Deal %'")
    verdict.check(
        f"{label}: one opportunity per deal",
        leads == held["deal"] == all_leads,
        f"{leads} bound, {all_leads} named, the fake holds {held['deal']}",
    )
    failed = number(
        run,
        f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id} "
        "AND state = 'failed'",
    )
    verdict.check(f"{label}: no event failed", failed == 0, f"{failed} failed")


def check_cursors(run, backend_id, table, done_state, label):
    rows = sql(
        run,
        f"SELECT object_kind, state, coalesce(last_error, '') FROM {table} "
        f"WHERE backend_id = {backend_id} ORDER BY object_kind",
    )
    states = dict(line.split("|", 2)[:2] for line in rows.splitlines())
    run.verdict.check(
        f"{label}: every cursor {done_state}",
        bool(states) and set(states.values()) == {done_state},
        ", ".join(f"{kind} {state}" for kind, state in sorted(states.items())),
    )


def rate_checks(verdict, log, timeout):
    """Requests per second, Retry-After respected, no hammering during 500s and timeouts."""
    times = sorted(entry[0] for entry in log)
    peak, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    print(f"  {len(times)} requests to the fake; at most {peak} in any 1 s window")
    early = []
    for index, (moment, _method, path, status, retry_after) in enumerate(log):
        if status != 429 or retry_after is None:
            continue
        until = moment + float(retry_after)
        following = [entry for entry in log[index + 1 :] if entry[0] < until - 0.05]
        early.extend((path, round(until - entry[0], 2)) for entry in following)
    verdict.check(
        "no call before a Retry-After expired",
        not early,
        f"{len(early)} early, e.g. {early[:3]}"
        if early
        else f"{sum(1 for e in log if e[3] == 429)} answers 429 with Retry-After",
    )
    # one job run: attempts less than FIRST_RETRY apart (the client's
    # backoff); a call never answered ends at the client's timeout
    failing = [entry for entry in log if entry[3] in (500, HANG)]
    runs, worst, gaps = 0, 0, []
    by_path = {}
    for entry in failing:
        by_path.setdefault(entry[2], []).append(entry)
    for entries in by_path.values():
        burst, previous_end = 0, None
        for moment, _method, _path, status, _retry in entries:
            if previous_end is not None and moment - previous_end < FIRST_RETRY:
                burst += 1
            else:
                if previous_end is not None:
                    gaps.append(moment - previous_end)
                runs += 1
                burst = 1
            worst = max(worst, burst)
            previous_end = moment + (timeout if status == HANG else 0)
    verdict.check(
        f"during 500s and timeouts: at most {ATTEMPTS} attempts per job run, "
        f"runs at least {FIRST_RETRY:.0f} s apart",
        worst <= ATTEMPTS,
        f"{len(failing)} calls in {runs} runs, at most {worst} attempts in a run"
        + (f", shortest gap between runs {min(gaps):.1f} s" if gaps else ""),
    )


def scenario(run):
    args = run.args
    fake = start_fake(args)
    try:
        _scenario(run, fake)
    finally:
        fake.stop()


def _scenario(run, fake):
    args = run.args
    backend_id = hubspot_backend(run, fake, api_timeout=args.timeout)
    # one job of the backend at a time, as readme/CONFIGURE.md says for
    # servers that configure their channels
    run.node("outage", runner=True, channels="root:2,root.external_crm:2:capacity_default=1")
    patience = 3 * args.outage + 600

    print(f"a. initial import, HubSpot down {args.outage:.0f} s in the middle of it")
    # the outage begins as soon as HubSpot has answered the first page
    first_page = threading.Event()

    def on_answer(path):
        if path.endswith("/objects/companies") and not first_page.is_set():
            fake.down = (500, None)  # from the very next call
            first_page.set()

    fake.on_answer = on_answer
    act(run, backend_id, "b.action_start_import()")
    started = first_page.wait(120)
    down = outage(fake, args.outage, args.retry_after)
    begun = time.monotonic()
    fake.on_answer = None
    pages = sum(1 for entry in fake.log if entry[3] == 200 and "/search" not in entry[2])
    total = -(-args.companies // 100) + -(-args.contacts // 100) + -(-args.deals // 100)
    run.verdict.check(
        "a: the outage began in the middle of the import",
        started and pages < total,
        f"{pages} of {total} pages read",
    )
    down.join()
    complete = wait_for(lambda: settled(run, backend_id), patience, step=1)
    print(f"  settled {time.monotonic() - begun:.0f} s after the outage began")
    run.verdict.check("a: the import completed", complete)
    check_cursors(run, backend_id, "external_crm_sync_cursor", "done", "a")
    check_imported(run, backend_id, fake, "a")

    print(f"b. catch-up pull, HubSpot down {args.outage:.0f} s from its start")
    changed = {"company": COMPANY, "contact": CONTACT, "deal": DEAL}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    renamed = 0
    for kind, first in changed.items():
        for index in range(0, len(fake.objects[kind]), 3):
            item = fake.objects[kind][str(first + index)]
            key = {"company": "name", "contact": "lastname", "deal": "dealname"}[kind]
            item["properties"][key] += " renamed"
            item["updatedAt"] = now
            item["properties"]["hs_lastmodifieddate"] = now
            item["properties"]["lastmodifieddate"] = now
            renamed += 1
    events_before = number(
        run, f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id}"
    )
    down = outage(fake, args.outage, args.retry_after)
    begun = time.monotonic()
    act(run, backend_id, "b.action_pull_changes()")
    down.join()
    complete = wait_for(lambda: settled(run, backend_id), patience, step=1)
    print(f"  settled {time.monotonic() - begun:.0f} s after the outage began")
    run.verdict.check("b: the pull completed", complete)
    check_cursors(run, backend_id, "external_crm_pull_cursor", "idle", "b")
    events = (
        number(run, f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id}")
        - events_before
    )
    run.verdict.check(
        "b: each changed record stored once",
        events == renamed,
        f"{events} events, {renamed} changed",
    )
    applied = number(
        run,
        "SELECT (SELECT count(*) FROM res_partner WHERE name LIKE 'Outage Company % renamed' "
        "OR name LIKE 'Outage Contact % renamed') "
        "+ (SELECT count(*) FROM crm_lead WHERE name LIKE 'Outage Deal % renamed')",
    )
    run.verdict.check("b: each change applied", applied == renamed, f"{applied} of {renamed}")
    check_imported(run, backend_id, fake, "b")

    print(f"c. financial status written back, HubSpot down {args.outage:.0f} s from its start")
    fake.updates = []
    down = outage(fake, args.outage, args.retry_after)
    begun = time.monotonic()
    act(
        run,
        backend_id,
        "b.writeback_enabled = True\nb._as_integration_user()._queue_financial_status()",
    )
    down.join()
    complete = wait_for(lambda: settled(run, backend_id), patience, step=1)
    print(f"  settled {time.monotonic() - begun:.0f} s after the outage began")
    run.verdict.check("c: the write-back completed", complete)
    written = [external_id for kind, external_id, _values in fake.updates if kind == "company"]
    run.verdict.check(
        "c: each company's status written once",
        sorted(written) == sorted(fake.objects["company"]),
        f"{len(written)} writes, {len(set(written))} companies of {len(fake.objects['company'])}",
    )
    recorded = number(
        run,
        f"SELECT count(*) FROM external_crm_binding WHERE backend_id = {backend_id} "
        "AND object_kind = 'company' AND financial_values IS NOT NULL",
    )
    run.verdict.check(
        "c: each written status recorded on its binding",
        recorded == len(fake.objects["company"]),
        f"{recorded} bindings",
    )
    rate_checks(run.verdict, sorted(fake.log), args.timeout)


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
