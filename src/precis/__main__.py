"""``python -m precis``: the same as the ``precis`` command."""

from precis.program import main

main()
