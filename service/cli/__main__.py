"""`python -m service.cli …` is the `samspill` command."""

import sys

from service.cli import main

sys.exit(main())
