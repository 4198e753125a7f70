# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``python3 tools/screenshots``: the README's pictures, taken on the demo's story.

For each language (English, French), builds the demo's story afresh in a
database of its own (``crm_accounting_screens_en``, ``_fr``: the demo
database you use stays as it is), starts Odoo on a free port of localhost, logs in as the
story's users and writes each screen of ``screens.py`` as
``<addon>/static/description/screenshots/<name>_<en|fr>.png``.

    python3 tools/screenshots               # every screen, English and French
    python3 tools/screenshots --lang fr_FR --only blocked_opportunity --reuse

Database server: PGHOST (and PGPORT, PGUSER, PGPASSWORD) when set, else the
demo's private cluster in .demo/pg, as tools/demo.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1]
ROOT = TOOLS.parent
sys.path[0] = str(TOOLS)

from demo_data.cast import ADMIN_LOGIN, ADMIN_PASSWORD, demo_logins  # noqa: E402
from screenshots.browser import Browser, BrowserError, odoo_session  # noqa: E402
from screenshots.screens import SCREENS  # noqa: E402

LANGS = ("en_US", "fr_FR")


def say(text):
    print(text, flush=True)


def database_server():
    """``--db_host``... options of the database server, started if it is the demo's."""
    if not os.environ.get("PGHOST"):
        started = subprocess.run(
            [str(TOOLS / "pg-cluster"), "start", str(ROOT / ".demo" / "pg")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in started.splitlines():
            name, _sep, value = line.partition("=")
            if name.startswith("PG"):
                os.environ[name] = value
    options = ["--db_host", os.environ["PGHOST"], "--db_port", os.environ.get("PGPORT", "5432")]
    options += ["--db_user", os.environ.get("PGUSER", "odoo")]
    if os.environ.get("PGPASSWORD"):
        options += ["--db_password", os.environ["PGPASSWORD"]]
    return options


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db_options, database, port, log, data_dir=None):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            *db_options,
            *([f"--data-dir={data_dir}"] if data_dir else []),
            f"--addons-path={ROOT}",
            "-d",
            database,
            f"--db-filter=^{database}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            f"--logfile={log}",
        ]
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=5):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    server.kill()
    raise BrowserError(f"Odoo did not start: see {log}")


def admin_rpc(base_url, database):
    """A function calling ``model.method(*args, **kwargs)`` as the administrator."""
    session = odoo_session(base_url, database, ADMIN_LOGIN, ADMIN_PASSWORD)

    def rpc(model, method, args, kwargs=None):
        body = {
            "jsonrpc": "2.0",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        request = urllib.request.Request(
            f"{base_url}/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Cookie": f"session_id={session}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        if "error" in answer:
            raise BrowserError(f"{model}.{method}: {answer['error']['data']['message']}")
        return answer["result"]

    return rpc


def build_story(lang, db_options, work, reuse=False):
    """The story in ``lang``, built afresh in a database of its own (with the
    addons as they are now, dates relative to today), or the one built
    before with ``reuse``: its name."""
    database = f"crm_accounting_screens_{lang[:2]}"
    say(f"\n{lang}: the story in '{database}' ({'reused' if reuse else 'built afresh'})")
    subprocess.run(
        [
            sys.executable,
            str(TOOLS / "demo_data"),
            *db_options,
            "-d",
            database,
            *([] if reuse else ["--reset"]),
            "--lang",
            lang,
            "--install-log",
            str(work / f"install-{lang}.log"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return database


def capture(database, screens, db_options, out, suffix, log, data_dir=None):
    """Serve ``database`` and write each screen into ``out``/<addon>/...; the paths."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(db_options, database, port, log, data_dir)
    browser = Browser()
    passwords = dict(demo_logins())
    paths = []
    try:
        rpc = admin_rpc(base_url, database)
        for screen in screens:
            path = out / screen.addon / "static" / "description" / "screenshots"
            path.mkdir(parents=True, exist_ok=True)
            target = path / f"{screen.name}_{suffix}.png"
            session = odoo_session(base_url, database, screen.login, passwords[screen.login])
            browser.open(base_url, session, screen.where(rpc))
            for click in screen.clicks:
                selector, text = (click, None) if isinstance(click, str) else click
                browser.click(selector, text and text[suffix])
            browser.screenshot(target)
            paths.append(target)
            say(f"  {target} ({screen.login})")
    finally:
        browser.close()
        server.terminate()
        server.wait(timeout=60)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(prog="screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=LANGS, action="append", help="default: both")
    parser.add_argument("--only", action="append", help="screen names (default: all)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take the pictures on the stories built by the last run (same day, same code)",
    )
    args = parser.parse_args(argv)
    screens = [s for s in SCREENS if not args.only or s.name in args.only]
    if not screens:
        parser.error(f"no such screen; screens: {', '.join(s.name for s in SCREENS)}")
    work = ROOT / ".demo" / "screenshots"
    work.mkdir(parents=True, exist_ok=True)
    db_options = database_server()
    for lang in args.lang or LANGS:
        database = build_story(lang, db_options, work, args.reuse)
        capture(database, screens, db_options, ROOT, lang[:2], work / f"server-{lang}.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
