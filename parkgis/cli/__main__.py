"""``python -m parkgis.cli``: the same as the ``parkgis`` command."""

from parkgis.cli import main

main()
