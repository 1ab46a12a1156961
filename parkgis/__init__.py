"""parkgis: the industrial park's shared map and shared truth.

The public Python API for analysts is gathered here as the services land; see README.
Nothing is created at import time.
"""

from __future__ import annotations

__version__ = "0.1.0"
