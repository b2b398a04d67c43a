"""``python -m consult_coder`` is the ``consult-coder`` command (where the script is not on PATH)."""

import sys

from consult_coder.cli import main

sys.exit(main())
