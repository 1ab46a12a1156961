"""The database schema as package data: Alembic migrations and the SQL rebuilt after each.

An importable package so an installed wheel carries ``migrations/`` and ``sql/`` and
``parkgis.db`` finds them with ``importlib.resources`` (no checkout needed to migrate).
"""
