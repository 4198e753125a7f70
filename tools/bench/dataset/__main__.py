# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``python3 tools/bench/dataset ...``: build or check the data set (see cli.py)."""

import sys
from pathlib import Path

# run as a folder, this folder comes first in sys.path: put tools/bench there
# instead, where the package and the shared modules of the benchmarks are
sys.path[0] = str(Path(__file__).resolve().parents[1])

from dataset.cli import main  # noqa: E402

main()
