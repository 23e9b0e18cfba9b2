"""gislib.auth.accounts: local accounts in the record store (tables ``users``, ``auth_events``).

``Accounts`` keeps the accounts where the records are (``gislib.store.accounts.AccountStore``): the
PostGIS database of ``HETU_DB_URL`` when it is set — one user base, lockout and session table for every
app server of a bureau — else the SQLite file of ``data_dir``; the tables come from the store's migrations.
It offers login, password change, and the admin actions (create, disable, enable, reset password, set
role and jurisdiction). Every login attempt and every admin action is appended to ``auth_events``.

* Lockout: ``Settings.lockout_attempts`` failed logins within ``lockout_window_minutes`` lock the
  account for ``lockout_minutes`` (even the right password is refused meanwhile).
* An admin reset sets ``must_change_password``: the user logs in but every permission check fails
  until ``change_password`` (gislib.auth.permissions.check).
* Demo accounts (``demo=1``) log in only while the demo data set (putuo or city) is in use.
* Sessions: ``start_session`` gives the browser a random token (only its SHA-256 is stored, table
  ``login_sessions``); ``resume`` turns it back into the current ``User`` on every page run, ends it
  after ``session_idle_minutes`` without activity, and refuses it at once when the account was
  disabled meanwhile; ``end_session`` is the logout.
* Admin actions take ``by``: an admin ``User`` (checked for ``manage_users``) or, for the command
  line on the server, a string ``"cli:<os user>"``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gislib.auth import passwords
from gislib.auth.extent import parse_extent
from gislib.auth.permissions import ROLES, User, check, norm
from gislib.config import Settings, load_settings
from gislib.errors import LoginError, NotFoundError, PermissionDenied, ValidationError
from gislib.store.accounts import AccountStore, UserExists

DEMO_DATASETS = ("putuo", "city", "basin")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def session_expired(last_seen: dt.datetime, now: dt.datetime, settings: Settings) -> bool:
    """Whether a session last active at ``last_seen`` has idled out by ``now``."""
    return now - last_seen >= dt.timedelta(minutes=settings.session_idle_minutes)


def _user(row: dict[str, Any]) -> User:
    return User(name=row["name"], role=row["role"], display_name=row["display_name"],
                subdistricts=tuple(json.loads(row["subdistricts"])), rivers=tuple(json.loads(row["rivers"])),
                must_change_password=bool(row["must_change_password"]), disabled=bool(row["disabled"]),
                demo=bool(row["demo"]), extent=row.get("extent") or "")


def login_name(name: str) -> str:
    """The stored form of a user name: NFKC, no surrounding blanks, case-folded (Boss = boss)."""
    return norm(name).casefold()


def _check_name(name: str) -> None:
    if not name or len(name) > 64 or any(c.isspace() or c in ":/\\" or not c.isprintable() for c in name):
        raise ValidationError("error.user_name_invalid", field="name", user=name[:70])


def _check_display_name(text: str) -> str:
    text = norm(text)
    if len(text) > 64 or not text.isprintable():
        raise ValidationError("error.display_name_invalid", field="display_name")
    return text


def _places(names: Iterable[str] | None) -> list[str]:
    return sorted({norm(n) for n in (names or ()) if norm(n)})


class Accounts:
    """The accounts of one deployment: the store of ``url`` (else HETU_DB_URL), else of ``data_dir``.

    One ``Accounts`` may be shared by Streamlit's script threads (its store serialises the calls)."""

    def __init__(self, data_dir: str | Path | None = None, settings: Settings | None = None,
                 rounds: int = passwords.DEFAULT_ROUNDS, *, url: str | None = None):
        self.settings = settings or load_settings()
        self.rounds = rounds
        self._db = AccountStore(data_dir, url=url)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgis"``: where these accounts are kept."""
        return self._db.backend

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def _row(self, name: str) -> dict[str, Any] | None:
        return self._db.user(login_name(name))

    def get(self, name: str) -> User:
        """The account ``name``; NotFoundError when there is none."""
        row = self._row(name)
        if row is None:
            raise NotFoundError("error.user_not_found", user=name)
        return _user(row)

    def users(self) -> list[User]:
        return [_user(r) for r in self._db.users()]

    def copy_demo_users(self, store_file: Path) -> int:
        """Copy the demo accounts of an SQLite store file (gislib.auth.demo.adopt_demo_accounts)."""
        return self._db.copy_demo_users(store_file)

    def find(self, name: str) -> User | None:
        """The account ``name``, or None."""
        row = self._row(name)
        return None if row is None else _user(row)

    def audit(self, actor: str, action: str, user: str | None, now: dt.datetime | None = None,
              **detail: Any) -> None:
        """Append one event to ``auth_events`` (e.g. an SSO login, a logout by idle expiry)."""
        self._in_tx(lambda: self._event(actor, action, user, now or utcnow(), **detail))

    def acting(self, name: str) -> User:
        """The account a command-line ``--user NAME`` acts as, with the same rights as in the app.

        The shell user already holds the server, so no password is asked; disabled accounts and demo
        accounts outside the demo are refused (PermissionDenied), and ``check`` does the rest.
        """
        row = self._row(name)
        if row is None:
            raise PermissionDenied("error.user_not_found", user=name)
        refused = self._refuse(row, utcnow())
        if refused and refused[0] != "login_locked":
            raise PermissionDenied(refused[1], **refused[2])
        return _user(row)

    def events(self, user: str | None = None) -> list[dict[str, Any]]:
        """The audit of logins and admin actions, oldest first (all users, or one)."""
        rows = self._db.events(None if user is None else login_name(user))
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]

    # ------------------------------------------------------------------ writing
    def _event(self, actor: str, action: str, user: str | None, now: dt.datetime, **detail: Any) -> None:
        self._db.add_event(_iso(now), actor, action, user, json.dumps(detail, ensure_ascii=False))

    def _update(self, name: str, actor: str, now: dt.datetime, **fields: Any) -> None:
        self._db.update_user(name, **fields, updated_by=actor, updated_at=_iso(now))

    def _admin(self, by: User | str) -> str:
        """The actor name of an admin action; refuses non-admins (PermissionDenied)."""
        if isinstance(by, str):
            if not by.startswith("cli:"):
                raise ValidationError("error.admin_actor", field="by", user=by)
            return by
        check(by, "manage_users")
        return by.name

    def _keep_an_admin(self, user: User) -> None:
        """Refuse to disable or demote the last enabled admin (the pages would have no admin left)."""
        others = self._db.other_enabled_admins(user.name)
        if user.role == "admin" and not user.disabled and others == 0:
            raise ValidationError("error.last_admin", field="name", user=user.name)

    def _in_tx(self, fn, *args: Any) -> Any:
        """Run ``fn`` in one write transaction: all of it or nothing."""
        with self._db.transaction():
            return fn(*args)

    # ------------------------------------------------------------------ admin actions
    def create(self, name: str, password: str, role: str, by: User | str, *, display_name: str = "",
               subdistricts: Iterable[str] = (), rivers: Iterable[str] = (), must_change_password: bool = True,
               demo: bool = False, extent: Any = None, now: dt.datetime | None = None) -> User:
        """Create an account (the password must pass the policy); audited as ``user_created``.
        ``extent``: a drawn jurisdiction extent (WKT/GeoJSON polygon, validated by ``parse_extent``)."""
        actor, now, name = self._admin(by), now or utcnow(), login_name(name)
        _check_name(name)
        display_name = _check_display_name(display_name)
        if role not in ROLES:
            raise ValidationError("error.role_invalid", field="role", role=role, roles=list(ROLES))
        if self._row(name) is not None:
            raise ValidationError("error.user_exists", field="name", user=name)
        passwords.check_policy(password, name)
        places = {"subdistricts": _places(subdistricts), "rivers": _places(rivers)}
        wkt = parse_extent(extent)
        if wkt:
            places["extent"] = wkt
        row = {"extent": wkt or None, "name": name, "display_name": display_name or name, "role": role,
               "subdistricts": json.dumps(places["subdistricts"], ensure_ascii=False),
               "rivers": json.dumps(places["rivers"], ensure_ascii=False),
               "password_hash": passwords.hash_password(password, self.rounds),
               "must_change_password": int(must_change_password), "demo": int(demo), "created_by": actor,
               "created_at": _iso(now), "updated_by": actor, "updated_at": _iso(now)}

        def write() -> None:
            self._db.insert_user(row)
            self._event(actor, "user_created", name, now, role=role, demo=demo, **places)
        try:
            self._in_tx(write)
        except UserExists as exc:  # created by someone else (on this server or another) a moment ago
            raise ValidationError("error.user_exists", field="name", user=name) from exc
        return self.get(name)

    def set_disabled(self, name: str, disabled: bool, by: User | str, now: dt.datetime | None = None) -> User:
        """Disable or re-enable an account; audited as ``user_disabled`` / ``user_enabled``."""
        actor, now, user = self._admin(by), now or utcnow(), self.get(name)
        if disabled and isinstance(by, User) and by.name == user.name:
            raise ValidationError("error.disable_self", field="name")
        if disabled:
            self._keep_an_admin(user)

        def write() -> None:
            self._update(user.name, actor, now, disabled=int(disabled), failed_attempts=0, locked_until=None)
            self._event(actor, "user_disabled" if disabled else "user_enabled", user.name, now)
        self._in_tx(write)
        return self.get(name)

    def reset_password(self, name: str, new_password: str, by: User | str, now: dt.datetime | None = None) -> User:
        """Give ``name`` a temporary password that must be changed at the next login; unlocks."""
        actor, now, user = self._admin(by), now or utcnow(), self.get(name)
        passwords.check_policy(new_password, user.name)
        hashed = passwords.hash_password(new_password, self.rounds)

        def write() -> None:
            self._update(user.name, actor, now, password_hash=hashed, must_change_password=1,
                         failed_attempts=0, locked_until=None)
            self._event(actor, "password_reset", user.name, now)
        self._in_tx(write)
        return self.get(name)

    def set_role(self, name: str, role: str, by: User | str, *, subdistricts: Iterable[str] | None = None,
                 rivers: Iterable[str] | None = None, extent: Any = None,
                 now: dt.datetime | None = None) -> User:
        """Change role and/or jurisdiction (None keeps a list or the extent as it is; ``extent=""``
        clears the drawn extent); audited with old and new."""
        actor, now, user = self._admin(by), now or utcnow(), self.get(name)
        if role not in ROLES:
            raise ValidationError("error.role_invalid", field="role", role=role, roles=list(ROLES))
        if role != "admin":
            self._keep_an_admin(user)
        new = {"role": role,
               "subdistricts": _places(user.subdistricts if subdistricts is None else subdistricts),
               "rivers": _places(user.rivers if rivers is None else rivers)}
        new["extent"] = user.extent if extent is None else parse_extent(extent)
        old = {"role": user.role, "subdistricts": list(user.subdistricts), "rivers": list(user.rivers),
               "extent": user.extent}

        def write() -> None:
            self._update(user.name, actor, now, role=role,
                         subdistricts=json.dumps(new["subdistricts"], ensure_ascii=False),
                         rivers=json.dumps(new["rivers"], ensure_ascii=False), extent=new["extent"] or None)
            self._event(actor, "role_changed", user.name, now, old=old, new=new)
        self._in_tx(write)
        return self.get(name)

    # ------------------------------------------------------------------ login
    def _failures(self, name: str, now: dt.datetime) -> int:
        """Failed logins of ``name`` within the window and after its last success or reset."""
        since = _iso(now - dt.timedelta(minutes=self.settings.lockout_window_minutes))
        return self._db.failures_since(name, since)

    def _refuse(self, row: dict[str, Any], now: dt.datetime) -> tuple[str, str, dict[str, Any]] | None:
        """Why ``row`` may not log in at all right now (before the password is looked at): the audit
        action, the message key (gislib/messages/errors_auth.py) and its parameters."""
        if row["disabled"]:
            return "login_disabled", "error.login_disabled", {}
        if row["locked_until"] and row["locked_until"] > _iso(now):
            until = dt.datetime.fromisoformat(row["locked_until"])
            minutes = max(1, int((until - now).total_seconds() // 60) + 1)
            return "login_locked", "error.login_locked", {"minutes": minutes}
        if row["demo"] and self.settings.dataset not in DEMO_DATASETS:
            return "login_demo_refused", "error.login_demo", {"datasets": "/".join(DEMO_DATASETS)}
        return None

    def _fail(self, name: str, now: dt.datetime) -> None:
        self._db.lock_user(name)  # two servers failing the same account at once count in turn
        self._event(name, "login_failed", name, now)
        failures = self._failures(name, now)
        locked = None
        if failures >= self.settings.lockout_attempts:
            locked = _iso(now + dt.timedelta(minutes=self.settings.lockout_minutes))
            self._event("system", "user_locked", name, now, failures=failures, until=locked)
        self._update(name, "system", now, failed_attempts=failures, locked_until=locked)

    def login(self, name: str, password: str, now: dt.datetime | None = None) -> User:
        """The account when ``password`` is right and it may log in; LoginError otherwise."""
        now, row = now or utcnow(), self._row(name)
        if row is None:
            passwords.burn_time(password, self.rounds)
            self._in_tx(self._event, login_name(name)[:64] or "?", "login_unknown_user", None, now)
            raise LoginError("error.login_wrong")
        refused = self._refuse(row, now)
        if refused:
            self._in_tx(self._event, row["name"], refused[0], row["name"], now)
            raise LoginError(refused[1], **refused[2])
        if not passwords.verify_password(password, row["password_hash"]):
            self._in_tx(self._fail, row["name"], now)
            raise LoginError("error.login_wrong")

        fields = {"failed_attempts": 0, "locked_until": None}
        if passwords.cost(row["password_hash"]) < self.rounds:  # made with a lower cost: upgrade it
            fields["password_hash"] = passwords.hash_password(password, self.rounds)

        def ok() -> None:
            self._update(row["name"], row["name"], now, **fields)
            self._event(row["name"], "login_ok", row["name"], now)
        self._in_tx(ok)
        return self.get(row["name"])

    def logout(self, user: User, now: dt.datetime | None = None) -> None:
        self._in_tx(self._event, user.name, "logout", user.name, now or utcnow())

    def change_password(self, name: str, old: str, new: str, now: dt.datetime | None = None) -> User:
        """The user's own change (also after a reset): old password, policy, and new != old."""
        now = now or utcnow()
        user = self.login(name, old, now)
        if new == old:
            raise ValidationError("error.password_same", field="password")
        passwords.check_policy(new, user.name)
        hashed = passwords.hash_password(new, self.rounds)

        def write() -> None:
            self._update(user.name, user.name, now, password_hash=hashed, must_change_password=0)
            self._event(user.name, "password_changed", user.name, now)
        self._in_tx(write)
        return self.get(name)


    # ------------------------------------------------------------------ sessions
    TOUCH_SECONDS = 30  # last_seen is written at most this often (a page rerun is not a database write)

    @staticmethod
    def _token_hash(token: str) -> str:
        return hashlib.sha256(str(token).encode("utf-8", "replace")).hexdigest()

    def start_session(self, user: User, now: dt.datetime | None = None) -> str:
        """A new session token for ``user`` (who has just logged in); only its hash is stored."""
        now, token = now or utcnow(), secrets.token_urlsafe(32)
        self._in_tx(self._db.insert_session, self._token_hash(token), user.name, _iso(now))
        return token

    def _end(self, token_hash: str, user: str, why: str, now: dt.datetime) -> None:
        self._db.end_session(token_hash, _iso(now), why)
        events = {"logout": "logout", "expired": "session_expired", "disabled": "session_disabled"}
        self._event(user, events.get(why, f"session_{why}"), user, now)

    def resume(self, token: str | None, now: dt.datetime | None = None) -> tuple[User | None, str]:
        """The user of a session token and ``""``, or ``(None, why)``: why is ``"none"`` (no or unknown
        token), ``"expired"`` (idle longer than HETU_SESSION_IDLE_MINUTES), ``"disabled"`` or ``"ended"``."""
        if not token:
            return None, "none"
        now, digest = now or utcnow(), self._token_hash(token)
        row = self._db.session(digest)
        if row is None:
            return None, "none"
        if row["ended_at"]:
            return None, "ended"
        user = self.find(row["user"])
        last_seen = dt.datetime.fromisoformat(row["last_seen"])
        why = ("disabled" if user is None or user.disabled
               else "expired" if session_expired(last_seen, now, self.settings) else "")
        if why:
            self._in_tx(self._end, digest, row["user"], why, now)
            return None, why
        if (now - last_seen).total_seconds() >= self.TOUCH_SECONDS:
            self._in_tx(self._db.touch_session, digest, _iso(now))
        return user, ""

    def end_session(self, token: str | None, now: dt.datetime | None = None) -> None:
        """Log out: the token no longer opens a session (audited as ``logout``)."""
        digest = self._token_hash(token or "")
        row = self._db.session(digest)
        if row is not None and not row["ended_at"]:
            self._in_tx(self._end, digest, row["user"], "logout", now or utcnow())
