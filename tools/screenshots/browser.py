# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A headless Chromium driven over the DevTools protocol: open a page as a user, capture it.

Odoo's own test browser (``odoo.tests.common.ChromeBrowser``) belongs to a
test case; this one stands alone, so that a command can take pictures of a
running server. It speaks the same protocol through ``websocket-client``,
which Odoo's tests need as well.
"""

import base64
import http.cookiejar
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

WIDTH, HEIGHT = 1366, 768

# The web client is idle: an action is shown and no request is running.
READY = """(() => {
    const view = document.querySelector(
        ".o_action_manager .o_view_controller, .o_action_manager .o_action");
    const busy = document.querySelector(".o_loading_indicator, .o_blockUI");
    return document.readyState === "complete" && !!view && !busy;
})()"""


class BrowserError(RuntimeError):
    pass


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserError("Chromium is not installed (Debian: apt-get install chromium)")


def odoo_session(base_url, database, login, password):
    """Log in over JSON-RPC as Odoo's web client does; return the session id."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = {"jsonrpc": "2.0", "params": {"db": database, "login": login, "password": password}}
    request = urllib.request.Request(
        f"{base_url}/web/session/authenticate",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=60) as response:
        answer = json.load(response)
    if "error" in answer:
        raise BrowserError(f"{login} cannot log in: {answer['error']['data']['message']}")
    for cookie in jar:
        if cookie.name == "session_id":
            return cookie.value
    raise BrowserError(f"{login}: no session cookie")


class Browser:
    """One headless Chromium with one page of ``WIDTH`` x ``HEIGHT``."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="screens_chrome_")
        self.process = subprocess.Popen(
            [
                chromium_path(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        port = self._devtools_port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=30) as response:
            page = next(target for target in json.load(response) if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.ids = itertools.count(1)
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _devtools_port(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if found:
                return int(found.group(1))
            if not line and self.process.poll() is not None:
                break
        raise BrowserError("Chromium did not start")

    def call(self, method, **params):
        """Send a DevTools command and return its result (events are skipped)."""
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, base_url, session_id, url, timeout=120):
        """Open ``url`` with the session ``session_id``; wait until the web client is idle."""
        self.call("Network.clearBrowserCookies")
        self.call("Network.setCookie", name="session_id", value=session_id, url=base_url)
        self.call("Page.navigate", url=f"{base_url}{url}")
        deadline = time.monotonic() + timeout
        while not self.evaluate(READY):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading in {timeout} s")
            time.sleep(0.25)
        # charts and fonts draw after the last request
        time.sleep(1.0)
        if not self.evaluate(READY):
            return self.open(base_url, session_id, url, timeout)
        return self

    def click(self, selector, text=None, timeout=30):
        """Click the first element of ``selector`` (whose text contains
        ``text``, when given) once it exists; wait until the client is idle."""
        find = (
            f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".find(e => e.textContent.includes({json.dumps(text or '')}))"
        )
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!{find}"):
            if time.monotonic() > deadline:
                raise BrowserError(f"nothing matches {selector} {text or ''}")
            time.sleep(0.25)
        self.evaluate(f"{find}.click()")
        time.sleep(0.5)
        while not self.evaluate(READY):
            if time.monotonic() > deadline:
                raise BrowserError(f"the click on {selector} did not finish")
            time.sleep(0.25)
        time.sleep(1.0)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
