"""`python -m bindspace.app` runs the `bindspace` command line."""

import sys

from bindspace.app.cli import main

sys.exit(main())
