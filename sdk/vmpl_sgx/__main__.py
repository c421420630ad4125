"""python -m vmpl_sgx: the vmpl-sgx command."""

from __future__ import annotations

import sys

from vmpl_sgx.cli import main

sys.exit(main())
