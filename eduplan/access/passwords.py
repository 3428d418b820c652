"""Passwords: the policy a new password must meet, and argon2id hashing (argon2-cffi's PasswordHasher).

The hash parameters come from the settings (`access.argon2_*`, default RFC 9106's second recommended set:
t=3, m=64 MiB, p=4); a stored hash made with other parameters is re-made at the next successful login
(`needs_rehash`). Verifying for a user name that does not exist still spends one verification against a
dummy hash, so the time of a refusal does not tell whether the name exists.
"""

from __future__ import annotations

import functools
import unicodedata

from .errors import AccessError
from .settings import AccessSettings, access_settings

MAX_LENGTH = 256

# the most common passwords of 12 characters or more in published leak lists (lower case), and keyboard runs
COMMON = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789abc", "1234567890qwe", "1234567890abc",
    "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "qwertyuiop12", "qwertyuiop123", "qwertyuiop[]", "qwerty123456",
    "qwe123456789", "asdfghjkl123", "zxcvbnm12345", "password1234", "password12345", "password123456",
    "passw0rd1234", "p@ssw0rd1234", "p@ssword1234", "admin1234567", "admin123456789", "administrator",
    "administrator1", "abc123456789", "abcd12345678", "abcdefg12345", "a123456789012", "iloveyou1234",
    "woaini1314520", "woaini123456", "5201314520", "aa123456789012", "123qweasdzxc", "qweasdzxc123",
    "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "q1w2e3r4t5y6", "zaq12wsxcde3", "changeme1234", "welcome12345",
    "letmein12345", "eduplan12345", "eduplan123456",
})


def _classes(password: str) -> set[str]:
    kinds = set()
    for ch in password:
        if ch.isdigit():
            kinds.add("digit")
        elif ch.isalpha() and ch.isascii():
            kinds.add("upper" if ch.isupper() else "lower")
        elif unicodedata.category(ch).startswith("L"):
            kinds.add("letter")  # 汉字 and other scripts
        else:
            kinds.add("symbol")
    return kinds


def check_password_policy(username: str, password: str, settings: AccessSettings | None = None) -> None:
    """Raise AccessError naming the rule a new password breaks: at least `password_min_length` characters (and at
    most 256), not containing the user name, not only one kind of character, not a common password."""
    s = settings or access_settings()
    if not isinstance(password, str) or not password:
        raise AccessError("密码不能为空")
    n = len(password)
    if n < s.password_min_length:
        raise AccessError(f"密码至少需要 {s.password_min_length} 个字符（现为 {n} 个）")
    if n > MAX_LENGTH:
        raise AccessError(f"密码不能超过 {MAX_LENGTH} 个字符（现为 {n} 个）")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise AccessError("密码不能含有控制字符（如换行、制表符）")
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in password.lower():
        raise AccessError(f"密码不能包含用户名“{username}”")
    if len(_classes(password)) < 2:
        raise AccessError("密码不能只由一类字符组成（如全是数字或全是小写字母）：请混用大写字母、小写字母、数字、符号中的至少两类")
    if password.lower() in COMMON or len(set(password)) <= 2:
        raise AccessError("密码过于常见或过于简单（在常见弱口令表中，或只重复一两个字符），请换一个")


@functools.lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int):
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


def hasher(settings: AccessSettings | None = None):
    s = settings or access_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


def hash_password(password: str, settings: AccessSettings | None = None) -> str:
    """The argon2id hash of `password` (a PHC string “$argon2id$v=19$m=…,t=…,p=…$salt$hash”)."""
    return hasher(settings).hash(password)


@functools.lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("eduplan-no-such-user")


def verify_password(stored_hash: str | None, password: str, settings: AccessSettings | None = None) -> bool:
    """Does `password` match `stored_hash`? With no hash (no such user), one verification is still spent."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    s = settings or access_settings()
    ph = hasher(s)
    if stored_hash is None:
        try:
            ph.verify(_dummy_hash(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism), password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass
        return False
    try:
        return ph.verify(stored_hash, password if isinstance(password, str) else "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, settings: AccessSettings | None = None) -> bool:
    """Was `stored_hash` made with other parameters than the settings' (then it is re-made at login)?"""
    try:
        return hasher(settings).check_needs_rehash(stored_hash)
    except Exception:  # noqa: BLE001 - an unreadable hash is re-made too
        return True
