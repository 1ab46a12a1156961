"""The roles the tests run as: the rows of the ``role`` table that a migrated database holds.

Tests parametrise over roles before any database exists, so the codes are written here
once; ``tests/security/test_roles.py`` fails when the role table holds other rows.
"""

ROLES = ("public", "promotion", "infrastructure", "department", "land_bureau", "court", "admin")
