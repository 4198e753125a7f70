# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``tools/screenshots`` takes its pictures on the story: a real server, a real Chromium."""

import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screenshots.__main__ import capture
from screenshots.browser import HEIGHT, WIDTH
from screenshots.screens import SCREENS

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == PNG, f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_blocked_opportunity_and_refusal(demo, tmp_path):
    db = demo["db"]
    options = ["--db_host", db.host, "--db_port", str(db.port)]
    if db.user:
        options += ["--db_user", db.user]
    wanted = [s for s in SCREENS if s.name in ("blocked_opportunity", "quotation_refused")]
    paths = capture(db.name, wanted, options, tmp_path, "en", tmp_path / "server.log", db.data_dir)
    assert [p.name for p in paths] == ["blocked_opportunity_en.png", "quotation_refused_en.png"]
    for path in paths:
        assert path.parent == tmp_path / "crm_credit_alert" / "static" / "description" / (
            "screenshots"
        )
        assert png_size(path) == (WIDTH, HEIGHT)
        # a page with its banner, not a blank or a login page
        assert path.stat().st_size > 20_000
    # the refusal is a picture of its own (the dialog over the opportunity)
    assert paths[0].read_bytes() != paths[1].read_bytes()
