"""gislib.auth.passwords: bcrypt hashing and the password policy.

bcrypt (pinned ``bcrypt==5.0.0``) is adaptive and well kept; cost 12 by default. bcrypt only reads
the first 72 bytes of a password (bcrypt 5 raises on longer ones). Hetu REFUSES passwords longer
than 72 UTF-8 bytes (24 Chinese characters, 72 ASCII characters) in the policy instead of
pre-hashing: nothing is silently ignored, and the stored hashes stay plain bcrypt that any tool can
check. At login a longer password is simply wrong (it can never have been set).
"""
from __future__ import annotations

import string
import unicodedata
from functools import lru_cache

import bcrypt

from gislib.errors import Phrase, Sentences, ValidationError

DEFAULT_ROUNDS = 12
MIN_LENGTH = 10
MAX_BYTES = 72
MIN_CLASSES = 3
# A short list of passwords that pass the length and class rules but are the first ones tried.
COMMON_PASSWORDS = frozenset({
    "password123", "password1234", "password123!", "p@ssw0rd123", "p@ssword123", "passw0rd123",
    "qwerty12345", "qwerty123!", "qwerty@123", "1qaz2wsx3edc", "1qaz@wsx3edc", "1qaz!qaz2wsx",
    "admin12345", "admin@12345", "admin123456", "administrator1", "welcome123", "welcome@123",
    "changeme123", "letmein1234", "abc123456!", "abcd@123456", "aa123456789", "zaq12wsxcde",
    "iloveyou123", "woaini1314!", "woaini@1314", "hetu@123456", "hetu12345!", "shanghai123",
    "shanghai@123", "putuo@12345", "test@123456", "asdf@123456", "qazwsx@123", "huanbao@123",
})


def _classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters ``password`` uses."""
    tests = (str.islower, str.isupper, str.isdigit,
             lambda c: not (c.isalnum() and c.isascii()) and c not in string.whitespace)
    return sum(any(test(c) for c in password) for test in tests)


def policy_problems(password: str, user_name: str = "") -> list[Phrase]:
    """Every rule ``password`` breaks, as phrases of the catalog (``.text(lang)``); empty when it is acceptable."""
    problems = []
    text = unicodedata.normalize("NFKC", password)
    if len(text) < MIN_LENGTH:
        problems.append(Phrase("error.password_short", count=MIN_LENGTH))
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append(Phrase("error.password_long", count=MAX_BYTES, chars=MAX_BYTES // 3))
    if _classes(text) < MIN_CLASSES:
        problems.append(Phrase("error.password_classes"))
    name = unicodedata.normalize("NFKC", user_name).strip().casefold()
    if name and name in text.casefold():
        problems.append(Phrase("error.password_has_name"))
    if text.casefold() in COMMON_PASSWORDS:
        problems.append(Phrase("error.password_common"))
    return problems


def check_policy(password: str, user_name: str = "") -> None:
    """Raise ValidationError (field ``password``) naming every rule the password breaks."""
    problems = policy_problems(password, user_name)
    if problems:
        raise ValidationError("error.password_refused", field="password", problems=Sentences(problems))


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """The bcrypt hash (text) of ``password``; the caller has checked the policy (<= 72 bytes)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed``; passwords over 72 bytes never match."""
    raw = password.encode("utf-8")
    if len(raw) > MAX_BYTES or not hashed:
        return False
    return bcrypt.checkpw(raw, hashed.encode("ascii"))


def cost(hashed: str) -> int:
    """The bcrypt cost (log2 rounds) of a stored hash such as ``$2b$12$...``."""
    try:
        return int(hashed.split("$")[2])
    except (IndexError, ValueError):
        return 0


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return hash_password("hetu-no-such-user", rounds)


def burn_time(password: str, rounds: int = DEFAULT_ROUNDS) -> None:
    """Spend about as long as a real check (unknown user names must not answer faster)."""
    verify_password(password, _dummy_hash(rounds))
