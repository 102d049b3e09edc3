"""``python -m samplemind``."""

import sys

from samplemind.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
