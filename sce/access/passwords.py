"""Password hashing with Argon2id (the `argon2-cffi` library's defaults, RFC 9106's second
recommendation), never a hash of our own."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
#: Shortest password taken: long enough against guessing, since logins are rate-limited too.
MIN_LENGTH = 10
MAX_LENGTH = 1024


def problem(password: str) -> str | None:
    """Why a new password is not taken, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password may have at most {MAX_LENGTH} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (in constant time, by argon2)."""
    try:
        return _HASHER.verify(stored, password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


#: A hash of nothing anyone can type, verified against when the user does not exist, so that
#: a login for an unknown name takes as long as one with a wrong password.
DECOY = _HASHER.hash("\0 no such user \0")
