"""gislib.auth: accounts, roles and jurisdictions (Streamlit-free; docs/auth.md).

* ``permissions``: the ONE permission table (role -> operations), jurisdictions, ``check``,
  ``allowed``, ``filter_records``.
* ``accounts``: users and the login/admin audit in the record store, lockout, idle expiry.
* ``passwords``: bcrypt hashing and the password policy.
* ``demo``: the demo accounts of the Putuo data set.
* ``sso``: roles and jurisdictions of single sign-on (``st.login``) users from HETU_SSO_MAPPING.
* ``cli``: ``python -m gislib users ...``.
"""
from __future__ import annotations

from gislib.auth.accounts import Accounts, session_expired
from gislib.auth.permissions import (
    OPERATIONS,
    PERMISSIONS,
    ROLES,
    User,
    allowed,
    check,
    filter_frame,
    filter_records,
    in_jurisdiction,
)

__all__ = ["Accounts", "OPERATIONS", "PERMISSIONS", "ROLES", "User", "allowed", "check", "filter_frame", "filter_records",
           "in_jurisdiction", "session_expired"]
