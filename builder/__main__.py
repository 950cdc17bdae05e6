"""Let `python -m builder` run the same CLI as the `timeline` console script."""

from builder.cli import main

raise SystemExit(main())
