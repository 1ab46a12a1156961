"""Who sees and does what: users, roles, scopes and capabilities, in one place.

- :mod:`.users`: users and their API keys (``User``, ``authenticate``, ``create_user``);
- :mod:`.roles`: the roles and their capabilities, read from the ``role`` table;
- :mod:`.scope`: the checks routes and services call (``check_capability``,
  ``check_layer``, ``case_scope``, ``may_update_task``).

Routes ask through ``api.deps.require_layer`` / ``require_capability``; services take the
``User`` and check its scope here; the SQL policies read the same ``role`` table.
"""

from parkgis.access.roles import CAPABILITIES, PUBLIC, Role, get_role, load_roles, role_codes
from parkgis.access.scope import (
    can,
    case_scope,
    check_capability,
    check_layer,
    may_update_task,
    own_department,
    role_of,
)
from parkgis.access.users import (
    ANONYMOUS,
    User,
    authenticate,
    create_user,
    hash_key,
    list_users,
    revoke_user,
)

__all__ = [
    "ANONYMOUS",
    "CAPABILITIES",
    "PUBLIC",
    "Role",
    "User",
    "authenticate",
    "can",
    "case_scope",
    "check_capability",
    "check_layer",
    "create_user",
    "get_role",
    "hash_key",
    "list_users",
    "load_roles",
    "may_update_task",
    "own_department",
    "revoke_user",
    "role_codes",
    "role_of",
]
