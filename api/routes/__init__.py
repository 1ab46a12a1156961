"""Routers, one module per area; api.app includes each module's ``router``."""
