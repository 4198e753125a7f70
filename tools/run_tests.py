#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run every check of the repository and end with ``N passed, N failed``.

Called by ``tools/test`` (the README's test command) and by ``.ci/run``.
Each step counts what it ran; a step that cannot run counts as failed, and a
skipped test counts as failed too, so that nothing wrong ever looks green.
"""

import argparse
import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Odoo's own suites that must keep passing with our addons installed.
CORE_MODULES = ("crm", "sale_crm", "sale_margin")
# Localisation installed for the readiness tests on a real chart of accounts.
EXTRA_MODULES = ("l10n_ma",)
# Log lines that are not problems of ours (regular expressions).
ALLOWED_LOG_LINES = (
    # printed by Odoo's own tests on purpose, with the module they test
    r"odoo\.addons\.(crm|sale_crm|sale_margin|sale|account|mail)\.tests\.",
)
STEP_TIMEOUT = 40 * 60
# Our tests run twice: at install with Odoo's runner, with the clock of the
# whole run (Odoo and its PostgreSQL cluster) this far ahead, and in pytest
# today. A test that depends on the calendar fails in one of the two.
CLOCK_AHEAD = "+365d"


class Run:
    """Counts of the whole run, and where its logs are."""

    def __init__(self, work):
        self.work = work
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.lock = threading.Lock()  # two lanes count at the same time

    def count(self, step, passed, failed, detail=""):
        status = "ok" if not failed else "FAILED"
        with self.lock:
            self.passed += passed
            self.failed += failed
            print(
                f"[{status}] {step}: {passed} passed, {failed} failed {detail}".rstrip(), flush=True
            )
            if failed:
                self.failures.append(step)

    def check(self, step, ok, detail=""):
        self.count(step, int(ok), int(not ok), detail)
        return ok


def addons():
    """Installable addons of the repository, in folder order."""
    names = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")):
        values = ast.literal_eval(manifest.read_text())
        if values.get("installable", True):
            names.append(manifest.parent.name)
    return names


def sh(cmd, log=None, env=None, timeout=STEP_TIMEOUT, cwd=ROOT):
    """Run ``cmd``; return its exit code (124 on timeout), output in ``log``."""
    started = time.monotonic()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    try:
        code = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=timeout, cwd=cwd
        ).returncode
    except subprocess.TimeoutExpired:
        code = 124
    finally:
        if log:
            out.close()
    print(f"    ({time.monotonic() - started:.0f}s) {' '.join(map(str, cmd))[:160]}", flush=True)
    return code


def libfaketime():
    """Path of libfaketime (Debian's ``faketime``), installed when missing as root."""
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "faketime"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    return found[0] if found else None


def clock_ahead_env():
    """The environment that runs a command, and its children, with the clock ahead.

    The library is preloaded directly rather than through the ``faketime``
    command, which waits for the daemons it started (the PostgreSQL
    server) to end. ``FAKETIME_FORCE_MONOTONIC_FIX``: without it, Python's
    ``time.sleep`` fails with EINVAL under libfaketime 0.9.10.
    """
    library = libfaketime()
    if not library:
        return None
    return {
        **os.environ,
        "LD_PRELOAD": str(library),
        "FAKETIME": CLOCK_AHEAD,
        "FAKETIME_FORCE_MONOTONIC_FIX": "1",
    }


def write_config(path, pg, database, work, data):
    """An Odoo configuration for ``database`` on the cluster ``pg``.

    The HTTP port of the tests (HttpCase, tours) is a free one: another Odoo
    on this machine (8069) must not fail the run.
    """
    path.write_text(
        "[options]\n"
        f"db_host = {pg}\ndb_port = 5432\ndb_user = odoo\ndb_name = {database}\n"
        f"addons_path = {ROOT}\ndata_dir = {work / data}\n"
        f"http_interface = 127.0.0.1\nhttp_port = {free_port()}\n"
        "workers = 0\nmax_cron_threads = 0\nlist_db = False\n"
    )
    return path


def tail(path, lines=40):
    try:
        content = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return
    print(f"    --- last lines of {path} ---")
    for line in content[-lines:]:
        print(f"    {line}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_log_report(log, modules):
    """Return (tests, failed tests, unexpected problem lines) of an Odoo log."""
    tests = 0
    failed = set()
    problems = []
    stats = re.compile(r"odoo\.tests\.stats: (\w+): (\d+) tests")
    failure = re.compile(r" (?:ERROR|CRITICAL) \S+ (odoo\.addons\.\S+): (?:FAIL|ERROR): (\S+)")
    level = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) ")
    allowed = re.compile("|".join(ALLOWED_LOG_LINES))
    for line in Path(log).read_text(errors="replace").splitlines():
        if match := stats.search(line):
            if match.group(1) in modules:
                tests += int(match.group(2))
            continue
        if match := failure.search(line):
            failed.add(match.group(2))
            continue
        if level.match(line) and not allowed.search(line):
            problems.append(line)
    return tests, failed, problems


def count_odoo_tests(run, step, log, modules, code):
    tests, failed, problems = odoo_log_report(log, modules)
    if code and not failed and not problems:
        problems.append(f"odoo exited with status {code}")
    run.count(step, tests - len(failed), len(failed), f"({tests} tests)")
    for name in sorted(failed):
        print(f"    failed: {name}")
    run.check(f"{step}: log without warnings or errors", not problems)
    for line in problems[:20]:
        print(f"    {line[:300]}")
    if failed or problems:
        tail(log)
    return not failed and not problems


def count_pytest(run, step, junit, code, log):
    try:
        suites = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        run.check(step, False, f"(no report, exit status {code})")
        tail(log)
        return
    suites = [suites] if suites.tag == "testsuite" else list(suites)
    tests = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get(k, 0)) for s in suites for k in ("failures", "errors", "skipped"))
    run.count(step, tests - bad, bad, f"({tests} tests; a skip counts as a failure)")
    if bad or code:
        tail(log, 80)
    if code and not bad:
        run.check(f"{step}: exit status", False, f"({code})")


@dataclass
class Setup:
    """Where a run works: its folder, addons, clusters and Odoo configurations."""

    work: Path
    ours: list
    python: str = sys.executable
    database: str = "test"
    config: Path = None
    config_ahead: Path = None
    ahead_env: dict = None

    @property
    def pg(self):
        return self.work / "pg"

    @property
    def pg_ahead(self):
        return self.work / "pg-ahead"

    @property
    def modules(self):
        return ",".join((*self.ours, *CORE_MODULES, *EXTRA_MODULES))

    def odoo(self, config=None):
        """The command that runs Odoo on the test database, then stops."""
        config = config or self.config
        return [self.python, "-m", "odoo", "-c", str(config), "-d", self.database]

    def cluster(self, action, folder, **kwargs):
        return sh([str(ROOT / "tools" / "pg-cluster"), action, str(folder)], **kwargs)


def check_odoo_log(run, step, log, code, ours):
    """A step passes when Odoo ended well and logged no warning or error of ours."""
    _tests, _failed, problems = odoo_log_report(log, ours)
    if not run.check(step, code == 0 and not problems):
        for line in problems[:20]:
            print(f"    {line[:300]}")
        tail(log)


def install_requirements(run, setup):
    log = setup.work / "pip.log"
    code = sh(
        [
            setup.python,
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            "requirements.txt",
            "-r",
            "test-requirements.txt",
        ],
        log=log,
    )
    if not run.check("install requirements", code == 0):
        tail(log)


def start_clusters(run, setup):
    """Today's cluster, and one whose clock runs ahead; False when they cannot start."""
    setup.ahead_env = clock_ahead_env()
    if not run.check(
        f"libfaketime for the run with the clock {CLOCK_AHEAD}",
        setup.ahead_env is not None,
        "" if setup.ahead_env else "(install Debian's faketime package)",
    ):
        return False
    work = setup.work
    code = setup.cluster("start", setup.pg, log=work / "pg.log")
    code = code or setup.cluster(
        "start", setup.pg_ahead, log=work / "pg-ahead.log", env=setup.ahead_env
    )
    if not run.check("start private PostgreSQL clusters", code == 0):
        tail(work / "pg.log")
        tail(work / "pg-ahead.log")
        return False
    setup.config = write_config(work / "odoo.conf", setup.pg, setup.database, work, "data")
    setup.config_ahead = write_config(
        work / "odoo-ahead.conf", setup.pg_ahead, setup.database, work, "data-ahead"
    )
    return True


def install_with_tests_ahead(run, setup):
    """Install in a new database with our tests at install, the clock a year ahead."""
    log = setup.work / "install.log"
    tags = ",".join(f"/{name}" for name in setup.ours)
    code = sh(
        [
            *setup.odoo(setup.config_ahead),
            "--stop-after-init",
            "-i",
            setup.modules,
            "--test-enable",
            f"--test-tags={tags}",
            f"--logfile={log}",
        ],
        env=setup.ahead_env,
    )
    step = f"install with Odoo's test runner, clock {CLOCK_AHEAD}"
    count_odoo_tests(run, step, log, setup.ours, code)
    setup.cluster("stop", setup.pg_ahead)


def install_today(run, setup):
    log = setup.work / "install-today.log"
    code = sh([*setup.odoo(), "--stop-after-init", "-i", setup.modules, f"--logfile={log}"])
    check_odoo_log(run, "install today (no tests)", log, code, setup.ours)


def upgrade_from_first_release(run, setup):
    """Rewind the recorded versions to the first release, so every migration runs."""
    names = ", ".join(repr(name) for name in setup.ours)
    sh(
        [
            "psql",
            "-h",
            str(setup.pg),
            "-U",
            "odoo",
            "-d",
            setup.database,
            "-qc",
            f"UPDATE ir_module_module SET latest_version = '18.0.1.0.0' WHERE name IN ({names})",
        ],
    )
    log = setup.work / "upgrade.log"
    code = sh([*setup.odoo(), "--stop-after-init", "-u", ",".join(setup.ours), f"--logfile={log}"])
    check_odoo_log(run, "upgrade (-u) from 18.0.1.0.0 with migrations", log, code, setup.ours)


def odoo_core_tests(run, setup):
    """Odoo's own tests of the modules we extend, with our addons installed."""
    log = setup.work / "core.log"
    code = sh(
        [
            *setup.odoo(),
            "--stop-after-init",
            "-u",
            ",".join(CORE_MODULES),
            "--test-enable",
            "--test-tags=" + ",".join(f"/{name}" for name in CORE_MODULES),
            f"--logfile={log}",
        ],
    )
    count_odoo_tests(run, "Odoo's tests of " + ", ".join(CORE_MODULES), log, CORE_MODULES, code)


# the fault scripts of tools/faults that run here, with their small sizes
FAULT_SCRIPTS = (
    # its import part (the worker running a page job killed) is left out:
    # the runner finds a dead job when it wakes up, once a minute (~70 s)
    (
        "kill_worker.py",
        "--records",
        "30",
        "--versions",
        "4",
        "--kills",
        "6",
        "--events",
        "1000",
        "--no-import",
    ),
    ("restart_postgres.py", "--records", "30", "--versions", "4"),
    ("two_nodes.py", "--records", "30", "--versions", "4"),
    # HubSpot down 24 s (8 s of 500s, of 429s, of calls never answered)
    # three times: about 2 min 20 s
    ("provider_outage.py", "--outage", "24", "--retry-after", "3", "--timeout", "3"),
    # the runner killed in an initial import, then in 1,000 events (~10 s)
    ("kill_runner.py", "--contacts", "500", "--events", "1000"),
    # channel_capacity.py is left out (the 30-minute budget): the pytest suite
    # asks queue_job's own channel manager the same (test_channel_capacity.py)
)


def fault_scripts(run, setup):
    """Nodes killed, PostgreSQL restarted, two nodes, the API down: nothing lost, nothing twice.

    Each script starts real Odoo servers on a private cluster of its own
    and prints its verdict; a script that fails or cannot run fails here.
    """
    work = setup.work / "faults"
    for script, *arguments in FAULT_SCRIPTS:
        log = setup.work / f"faults-{script.removesuffix('.py')}.log"
        code = sh(
            [
                setup.python,
                str(ROOT / "tools" / "faults" / script),
                *arguments,
                "--work",
                str(work),
            ],
            log=log,
            timeout=15 * 60,
        )
        verdicts = [
            line.strip()
            for line in Path(log).read_text(errors="replace").splitlines()
            if line.strip().startswith(("PASS", "FAIL"))
        ]
        failed = [line for line in verdicts if line.startswith("FAIL")]
        passed = len(verdicts) - len(failed)
        ok = code == 0 and verdicts and not failed
        run.count(f"fault script {script}", passed, 0 if ok else max(len(failed), 1))
        if not ok:
            tail(log)


def pytest_suite(run, setup):
    junit = setup.work / "pytest.xml"
    log = setup.work / "pytest.log"
    code = sh(
        [
            setup.python,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--odoo-config={setup.config}",
            f"--odoo-database={setup.database}",
            "--odoo-http",
            f"--junitxml={junit}",
            *(f"{name}/tests" for name in setup.ours),
        ],
        log=log,
    )
    count_pytest(run, "pytest-odoo suite", junit, code, log)


def demo_story(run, setup):
    """The demo's story, built small in a new database of today's cluster, and checked.

    Its own pytest run (not pytest-odoo's database): it installs the addons
    without demo data, as ``tools/demo`` does, in about two minutes.
    """
    junit = setup.work / "demo-story.xml"
    log = setup.work / "demo-story.log"
    code = sh(
        [
            setup.python,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "tools/demo_data/tests",
        ],
        log=log,
        env={**os.environ, "PGHOST": str(setup.pg), "PGPORT": "5432", "PGUSER": "odoo"},
    )
    count_pytest(run, "demo story (tools/demo_data)", junit, code, log)


def pre_commit(run, setup):
    log = setup.work / "pre-commit.log"
    code = sh(
        ["pre-commit", "run", "--all-files", "--show-diff-on-failure", "--color=never"], log=log
    )
    if not run.check("pre-commit on all files", code == 0):
        tail(log, 80)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--skip-lint", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="crm-accounting-test."))
    work.chmod(0o755)  # the cluster inside runs as "postgres" when we are root
    run = Run(work)
    setup = Setup(work=work, ours=addons())
    print(f"Work folder: {work}", flush=True)
    print(f"Addons: {', '.join(setup.ours)}", flush=True)
    started = time.monotonic()
    try:
        install_requirements(run, setup)
        if not start_clusters(run, setup):
            return run
        in_two_lanes(
            run,
            # the clock a year ahead, on its own cluster; then the fault
            # scripts, which mostly wait for servers they start and kill
            lambda: (install_with_tests_ahead(run, setup), fault_scripts(run, setup)),
            # today's cluster: install, upgrade, Odoo's tests, ours, the demo
            lambda: (
                install_today(run, setup),
                upgrade_from_first_release(run, setup),
                odoo_core_tests(run, setup),
                pytest_suite(run, setup),
                demo_story(run, setup),
            ),
        )
        if not args.skip_lint:
            pre_commit(run, setup)
        check_wheels(run, setup)
    finally:
        for cluster in (setup.pg, setup.pg_ahead):
            setup.cluster("stop", cluster)
        print(f"Total time: {time.monotonic() - started:.0f}s", flush=True)
        if not args.keep and not run.failed:
            shutil.rmtree(work, ignore_errors=True)
    return run


def in_two_lanes(run, *lanes):
    """Run the lanes side by side, each step after the other within a lane.

    The two runs of our tests (a year ahead, and today) share nothing but
    the machine: each has its own cluster, database, data folder and HTTP
    port. Side by side on two cores they take about the time of the longer
    lane instead of the sum (34 min 55 s one after the other on 2026-12-07).
    A lane that raises counts as a failed step; the other lane still ends.
    """

    def guarded(index, lane):
        try:
            lane()
        except Exception as error:
            run.check(f"lane {index}", False, f"({type(error).__name__}: {error})")

    threads = [
        threading.Thread(target=guarded, args=(index, lane), name=f"lane-{index}")
        for index, lane in enumerate(lanes, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def build_wheels(run, setup):
    """The addons' wheels and the metapackage's; their names, or None."""
    wheels = setup.work / "wheels"
    log = setup.work / "wheels.log"
    ok = True
    for folder in [*setup.ours, "setup/_metapackage"]:
        code = sh(
            [
                setup.python,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "-w",
                str(wheels),
                str(ROOT / folder),
            ],
            log=log,
        )
        ok = ok and code == 0
    built = sorted(path.name for path in wheels.glob("*.whl")) if wheels.exists() else []
    if not run.check(
        "build addon wheels and the metapackage",
        ok and len(built) == len(setup.ours) + 1,
        f"({', '.join(built)})",
    ):
        tail(log)
        return None
    return built


def install_in_virtualenv(run, setup, built):
    """A fresh virtualenv that sees the installed Odoo, with the metapackage; its path."""
    work = setup.work
    venv = work / "venv"
    wheels = work / "wheels"
    code = sh(
        [setup.python, "-m", "venv", "--system-site-packages", str(venv)], log=work / "wheels.log"
    )
    metapackage = next(name for name in built if not name.startswith("odoo_addon_"))
    code = code or sh(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--find-links",
            str(wheels),
            str(wheels / metapackage),
        ],
        log=work / "venv.log",
    )
    if not run.check("install the wheels with the metapackage in a fresh virtualenv", code == 0):
        tail(work / "venv.log")
        return None
    probe = (
        "import odoo.modules.module as m; import sys\n"
        f"names = {setup.ours!r}\n"
        "paths = [m.get_module_path(n, display_warning=False) or '' for n in names]\n"
        "print(paths)\n"
        f"sys.exit(not all(p.startswith({str(venv)!r}) for p in paths))\n"
    )
    code = sh([str(venv / "bin" / "python"), "-c", probe], log=work / "venv-probe.log", cwd=work)
    if not run.check("the virtualenv's Odoo finds the addons from the wheels", code == 0):
        tail(work / "venv-probe.log")
        return None
    return venv


def serve_login_from(run, setup, venv):
    """Start Odoo from the virtualenv on the test database: /web/login answers 200."""
    work = setup.work
    port = free_port()
    log = work / "venv-server.log"
    server = subprocess.Popen(
        [
            str(venv / "bin" / "python"),
            "-m",
            "odoo",
            "--db_host",
            str(setup.pg),
            "--db_port",
            "5432",
            "--db_user",
            "odoo",
            "-d",
            setup.database,
            "--db-filter",
            f"^{setup.database}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            f"--logfile={log}",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    status = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=60) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    _tests, _failed, problems = odoo_log_report(log, ())
    if not run.check(
        "Odoo starts from the virtualenv and serves /web/login",
        status == 200 and not problems,
        f"(HTTP {status})",
    ):
        for line in problems[:20]:
            print(f"    {line[:300]}")
        tail(log)


def check_wheels(run, setup):
    """Wheels, metapackage, a fresh virtualenv that sees Odoo, Odoo starts from it."""
    built = build_wheels(run, setup)
    venv = built and install_in_virtualenv(run, setup, built)
    if venv:
        serve_login_from(run, setup, venv)


if __name__ == "__main__":
    os.chdir(ROOT)
    result = main()
    if result.failures:
        print("Failed steps: " + "; ".join(result.failures))
    print(f"{result.passed} passed, {result.failed} failed")
    sys.exit(1 if result.failed or not result.passed else 0)
