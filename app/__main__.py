"""`python -m app` runs the `bindspace` command line."""

import sys

from app.cli import main

sys.exit(main())
