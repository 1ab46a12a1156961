"""Who sees and does what: users, roles, scopes and capabilities, in one place.

Routes ask this package (``require_layer``, ``require_capability``); services take the
``User`` and check its scope here; the SQL policies read the same ``role`` table.
"""
