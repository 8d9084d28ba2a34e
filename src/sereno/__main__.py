"""``python -m sereno``: same as the ``sereno`` command."""

from sereno.cli.main import main

main()
