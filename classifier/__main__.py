"""Entry point of `python -m classifier`."""

import sys

from .cli import main

sys.exit(main())
