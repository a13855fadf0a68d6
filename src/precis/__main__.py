"""``python -m precis``: the same as the ``precis`` command."""

from precis.cli import main

main()
