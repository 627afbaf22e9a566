"""`python -m sce.cli` is `sce`."""

from sce.cli import main

main()
