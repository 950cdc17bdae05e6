"""Let `python -m builder` run the same CLI as the `timeline` console script."""

from builder.cli import entry

entry()
