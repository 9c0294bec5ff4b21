"""`python -m taut` runs the command-line interface."""

from taut.cli import main

raise SystemExit(main())
