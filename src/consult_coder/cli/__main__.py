import sys

from consult_coder.cli import main

sys.exit(main())
