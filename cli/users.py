"""``python -m gislib users ...``: create the first admin and manage accounts from the server's shell.

    python -m gislib users create-admin NAME [--display-name X]
    python -m gislib users add NAME --role viewer|river_chief|officer|admin [--rivers 桃浦河,真如港] [--subdistricts 桃浦镇]
    python -m gislib users list [--json]
    python -m gislib users disable NAME | enable NAME | reset-password NAME
    python -m gislib users set-role NAME --role R [--rivers ...] [--subdistricts ...]
    python -m gislib users create-demo

Passwords come from a getpass prompt (typed twice) or from HETU_NEW_PASSWORD when it is set; they
are never options (they would end up in the shell history). Actions are audited as ``cli:<os user>``.
River and sub-district names are checked against the data set's layers (``--allow-unknown-places``
skips the check for names the map does not have yet).
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from gislib.auth.accounts import Accounts
from gislib.auth.permissions import ROLES, User
from gislib.config import new_password
from gislib.errors import ValidationError

NEEDS_NAME = ("create-admin", "add", "disable", "enable", "reset-password", "set-role")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``users`` command."""
    parser.add_argument("action", choices=(*NEEDS_NAME, "list", "create-demo"))
    parser.add_argument("name", nargs="?", help="user name (login), e.g. zhang.san")
    parser.add_argument("--role", choices=tuple(ROLES), help="role for add / set-role")
    parser.add_argument("--rivers", help="jurisdiction: rivers, comma-separated, e.g. 桃浦河,真如港")
    parser.add_argument("--subdistricts", help="jurisdiction: sub-districts, comma-separated, e.g. 桃浦镇")
    parser.add_argument("--extent", metavar="FILE",
                        help="jurisdiction: a drawn extent, a GeoJSON or KML polygon file in EPSG:4326 (add / set-role)")
    parser.add_argument("--clear-extent", action="store_true", help="set-role: remove the user's drawn extent")
    parser.add_argument("--display-name", default="", help="name shown in the app, e.g. 张三")
    parser.add_argument("--allow-unknown-places", action="store_true",
                        help="accept rivers/sub-districts that the data set's map does not contain")
    parser.add_argument("--json", action="store_true", help="list: print JSON")
    parser.add_argument("--data-dir", help="store folder (default $HETU_DATA_DIR or ./var/data)")


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [x.strip() for x in text.replace("，", ",").replace("、", ",").split(",") if x.strip()]


def _known_places() -> dict[str, set[str]] | None:
    """River and sub-district names of the current data set (None when it cannot be read)."""
    try:
        import pyogrio

        from gislib.dataset import dataset_path

        path = dataset_path()
        return {layer: set(pyogrio.read_dataframe(path, layer=layer, columns=["name"],
                                                  read_geometry=False)["name"].dropna())
                for layer in ("rivers", "subdistricts")}
    except Exception:  # noqa: BLE001 - no data set built: nothing to check against
        return None


def _check_places(args: argparse.Namespace) -> None:
    if args.allow_unknown_places or not (args.rivers or args.subdistricts):
        return
    known = _known_places()
    if known is None:
        print("warning: the data set could not be read; place names are not checked", file=sys.stderr)
        return
    for option, layer in (("rivers", "rivers"), ("subdistricts", "subdistricts")):
        unknown = [x for x in _split(getattr(args, option)) or [] if x not in known[layer]]
        if unknown:
            raise ValidationError("error.cli_places_unknown", field=option, option=f"--{option}", names=unknown,
                                  choices=sorted(known[layer]))


def read_new_password(name: str) -> str:
    """HETU_NEW_PASSWORD, else a prompt typed twice."""
    env = new_password()
    if env:
        return env
    first = getpass.getpass(f"新密码 / new password for {name}: ")
    if getpass.getpass("再次输入 / repeat: ") != first:
        raise ValidationError("error.cli_passwords_differ", field="password")
    return first


def _extent(args: argparse.Namespace) -> str | None:
    """The validated extent of ``--extent FILE`` (through the upload gate); "" for --clear-extent."""
    if getattr(args, "clear_extent", False):
        return ""
    if not getattr(args, "extent", None):
        return None
    from gislib.auth.extent import read_extent_file

    return read_extent_file(args.extent)


def _describe(user: User) -> dict:
    return {"name": user.name, "display_name": user.display_name, "role": user.role,
            "rivers": list(user.rivers), "subdistricts": list(user.subdistricts),
            "extent": user.extent or None, "disabled": user.disabled, "must_change_password": user.must_change_password, "demo": user.demo}


def _print_users(users: list[User], as_json: bool) -> None:
    if as_json:
        print(json.dumps([_describe(u) for u in users], ensure_ascii=False, indent=2))
        return
    for u in users:
        where = "、".join((*u.rivers, *u.subdistricts, *(["辖区范围 (extent)"] if u.extent else []))) \
            or "全区 (whole district)"
        flags = " ".join(f for f, on in (("[停用 disabled]", u.disabled), ("[须改密 must change]",
                         u.must_change_password), ("[演示 demo]", u.demo)) if on)
        print(f"{u.name}\t{u.display_name}\t{u.role}\t{where}\t{flags}".rstrip())


def _run_action(accounts: Accounts, args: argparse.Namespace, by: str) -> User | list[User]:
    name, act = args.name, args.action
    if act == "create-admin":
        return accounts.create(name, read_new_password(name), "admin", by, display_name=args.display_name,
                               must_change_password=False)
    if act == "add":
        if not args.role:
            raise ValidationError("error.cli_needs", field="role", command="users add",
                                  options="--role (viewer|river_chief|officer|admin)")
        _check_places(args)
        extent = _extent(args)  # checked before the password is asked for
        return accounts.create(name, read_new_password(name), args.role, by, display_name=args.display_name,
                               rivers=_split(args.rivers) or (), subdistricts=_split(args.subdistricts) or (),
                               extent=extent)
    if act == "set-role":
        _check_places(args)
        return accounts.set_role(name, args.role or accounts.get(name).role, by, rivers=_split(args.rivers),
                                 subdistricts=_split(args.subdistricts), extent=_extent(args))
    if act in ("disable", "enable"):
        return accounts.set_disabled(name, act == "disable", by)
    if act == "reset-password":
        return accounts.reset_password(name, read_new_password(name), by)
    from gislib.auth.demo import create_demo_accounts

    return create_demo_accounts(accounts, by)


def run(args: argparse.Namespace) -> int:
    """Run one ``users`` action and print the account(s) it touched."""
    if args.action in NEEDS_NAME and not args.name:
        raise ValidationError("error.cli_needs", field="name", command=f"users {args.action}", options="NAME")
    by = f"cli:{getpass.getuser()}"
    with Accounts(args.data_dir) as accounts:
        if args.action == "list":
            _print_users(accounts.users(), args.json)
            return 0
        result = _run_action(accounts, args, by)
    _print_users(result if isinstance(result, list) else [result], args.json)
    return 0
