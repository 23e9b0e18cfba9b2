"""gislib.auth.sso: roles and jurisdictions for single sign-on users, from configuration.

Streamlit's built-in OIDC login (``st.login``, configured in ``.streamlit/secrets.toml``) proves who
the user is; the page then passes ``st.user`` (the token's claims) to ``sso_login``. What the user may
do comes from the JSON file named by ``HETU_SSO_MAPPING`` (the groups the bureau's provider sends):

    {"name_claim": "preferred_username", "groups_claim": "groups",
     "groups": {"hetu-admin": {"role": "admin"},
                "hetu-officer": {"role": "officer", "subdistricts": ["桃浦镇"]},
                "chief-taopu": {"role": "river_chief", "rivers": ["桃浦河"]},
                "staff": {"role": "viewer"}}}

A user in several groups gets the highest role, and the union of that role's groups' jurisdictions
(the whole district when one of them has none). A user in no mapped group is refused. A local
account of the same name that an admin disabled blocks the SSO login too. Not tested against a real
provider (none can run here); ``user_from_claims`` is tested with claims as ``st.user`` gives them.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gislib.auth.accounts import Accounts, login_name
from gislib.auth.permissions import ROLES, User, norm
from gislib.config import sso_mapping_path
from gislib.errors import ConfigError, PermissionDenied

RANK = {role: i for i, role in enumerate(ROLES)}  # viewer < river_chief < officer < admin


def load_mapping(path: str | Path | None = None) -> dict[str, Any]:
    """The SSO mapping from ``path`` or HETU_SSO_MAPPING, checked (ConfigError when wrong)."""
    path = path or sso_mapping_path()
    if not path:
        raise ConfigError("error.sso_not_set", setting="HETU_SSO_MAPPING")
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
        groups = mapping["groups"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError("error.sso_unreadable", setting="HETU_SSO_MAPPING", file=str(path), detail=str(exc)) from exc
    bad = {g: e.get("role") for g, e in groups.items() if not isinstance(e, dict) or e.get("role") not in ROLES}
    if bad:
        raise ConfigError("error.sso_roles", setting="HETU_SSO_MAPPING", groups=[f"{g}: {r}" for g, r in bad.items()],
                          roles=list(ROLES))
    return mapping


def _groups(claims: Mapping[str, Any], claim: str) -> list[str]:
    value = claims.get(claim) or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def user_from_claims(claims: Mapping[str, Any], mapping: Mapping[str, Any]) -> User:
    """The ``User`` an SSO login acts as; PermissionDenied when no group of the user is mapped."""
    name = login_name(str(claims.get(mapping.get("name_claim", "email")) or ""))
    entries = [mapping["groups"][g] for g in _groups(claims, mapping.get("groups_claim", "groups"))
               if g in mapping["groups"]]
    if not name or not entries:
        raise PermissionDenied("error.sso_no_role")
    role = max((e["role"] for e in entries), key=RANK.__getitem__)
    top = [e for e in entries if e["role"] == role]
    whole = any(not (e.get("rivers") or e.get("subdistricts")) for e in top)
    rivers = () if whole else tuple(sorted({norm(r) for e in top for r in e.get("rivers", ())}))
    subdistricts = () if whole else tuple(sorted({norm(s) for e in top for s in e.get("subdistricts", ())}))
    return User(name=name, role=role, display_name=str(claims.get("name") or name),
                rivers=rivers, subdistricts=subdistricts)


def sso_login(accounts: Accounts, claims: Mapping[str, Any], mapping: Mapping[str, Any]) -> User:
    """``user_from_claims``, refused when a local account of that name is disabled; audited."""
    user = user_from_claims(claims, mapping)
    local = accounts.find(user.name)
    if local is not None and local.disabled:
        accounts.audit(user.name, "login_disabled", user.name, sso=True)
        raise PermissionDenied("error.login_disabled")
    accounts.audit(user.name, "login_ok", user.name, sso=True, role=user.role, rivers=list(user.rivers),
                   subdistricts=list(user.subdistricts))
    return user
