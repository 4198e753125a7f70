# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``python3 tools/demo_data ...``: build the demo database, print its logins (see cli.py)."""

import sys
from pathlib import Path

# run as a folder, this folder comes first in sys.path: put tools/ there
# instead, so that the package imports as ``demo_data``
sys.path[0] = str(Path(__file__).resolve().parents[1])

from demo_data.cli import main  # noqa: E402

sys.exit(main())
