"""``python -m gislib db upgrade|copy|backup|restore``: operate the record store on either backend.

  db upgrade [--url URL] [--data-dir DIR]
  db copy --from URL --to URL [--from-data-dir DIR] [--to-data-dir DIR] [--replace]
  db backup --out DIR [--url URL] [--data-dir DIR]
  db restore --from DIR [--url URL] [--data-dir DIR] [--replace]

URL: ``postgresql://user@host:port/db`` (PostGIS) or ``sqlite:///DIR`` (the data directory holding
hetu.sqlite; ``sqlite:////abs/DIR`` for an absolute path); default HETU_DB_URL, else the SQLite store in
HETU_DATA_DIR. On PostGIS, attachments are files in the data directory (``--data-dir``). The logic is
``gislib.store.operations``; this module only parses arguments and prints results.
"""
from __future__ import annotations

import argparse
import json

from gislib.store import operations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = sub.add_parser("upgrade", help="apply pending migrations")
    _target(up)
    cp = sub.add_parser("copy", help="copy every record, audit entry and attachment to another store, verified")
    cp.add_argument("--from", dest="from_url", required=True, help="source URL")
    cp.add_argument("--to", dest="to_url", required=True, help="target URL")
    cp.add_argument("--from-data-dir", help="source attachments folder (PostGIS source)")
    cp.add_argument("--to-data-dir", help="target attachments folder (PostGIS target)")
    cp.add_argument("--replace", action="store_true", help="replace everything in a non-empty target")
    bk = sub.add_parser("backup", help="back up the store and its attachments into a new folder")
    bk.add_argument("--out", required=True, help="backup folder (new or empty)")
    _target(bk)
    rs = sub.add_parser("restore", help="restore a backup folder into the store (same backend)")
    rs.add_argument("--from", dest="backup_dir", required=True, help="folder written by db backup")
    rs.add_argument("--replace", action="store_true", help="replace everything in a non-empty store")
    _target(rs)


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="store URL (default HETU_DB_URL, else SQLite in the data directory)")
    parser.add_argument("--data-dir", help="data directory (SQLite file and/or attachments)")


def _tables(result: dict) -> str:
    return "\n".join(f"  {t:<16} {v['rows']:>9,} rows  sha256 {v['sha256'][:16]}" for t, v in result["tables"].items())


def run(args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        result = operations.upgrade(args.url, args.data_dir)
        print(f"{result['backend']}: schema version {result['schema_version']}")
    elif args.action == "copy":
        result = operations.copy(args.from_url, args.to_url, from_data_dir=args.from_data_dir,
                                 to_data_dir=args.to_data_dir, replace=args.replace)
        print(f"copied and verified ({result['attachments']} attachment files):\n{_tables(result)}")
    elif args.action == "backup":
        result = operations.backup(args.out, args.url, args.data_dir)
        print(f"backup of {result['backend']} (schema {result['schema_version']}) in {args.out}:\n{_tables(result)}")
    else:
        result = operations.restore(args.backup_dir, args.url, args.data_dir, replace=args.replace)
        print(f"restored and verified ({result['attachments']} attachment files):\n{_tables(result)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(json.dumps({"use": "python -m gislib db ..."}))
