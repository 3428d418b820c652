"""Access: who may use the web application and the API, and the record of what they did.

Owns the users and their roles (`users`), password policy and argon2id hashing (`passwords`), browser sessions
(`sessions`), API tokens (`tokens`), login throttling (`throttle`) and the append-only, hash-chained audit log
(`audit`), all kept in the store (schema version 4: app_user, app_session, api_token, login_attempt, audit_log),
with their settings (`settings`, section `access`). A library over the store, below the web application and the
command line, which both call it; each function that writes is one transaction, and every change of a user,
role, password or token writes its audit row in that same transaction. docs/security.md describes it.
"""

from __future__ import annotations

from . import audit
from .errors import AccessError, LoginRefused
from .passwords import check_password_policy
from .sessions import Session, create_session, end_session, end_sessions, list_sessions, session_user
from .settings import AccessSettings, access_settings
from .tokens import all_tokens, create_token, list_tokens, revoke_token, token_user
from .users import (
    ROLES, User, add_user, authenticate, change_password, get_user, list_users, reset_password, set_disabled,
    set_role, user_by_id, user_rows,
)

ACTIONS = audit.ACTIONS
load_settings = access_settings  # the name the web application uses

__all__ = [
    "ROLES", "ACTIONS", "User", "Session", "AccessError", "LoginRefused", "AccessSettings", "access_settings", "load_settings",
    "add_user", "get_user", "user_by_id", "list_users", "user_rows", "set_disabled", "set_role", "reset_password",
    "change_password", "check_password_policy", "authenticate", "create_session", "session_user", "end_session",
    "end_sessions", "list_sessions", "create_token", "list_tokens", "all_tokens", "revoke_token", "token_user",
    "audit",
]
