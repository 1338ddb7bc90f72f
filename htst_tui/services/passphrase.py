"""The officer's unlock passphrase: stored only as a salted scrypt hash, checked in constant time.

scrypt (RFC 7914) is memory-hard, so guessing a stolen config.toml offline is slow on GPUs too; it comes from
`cryptography` (already a dependency for encrypted bundles, maintained by the PyCA with OpenSSL underneath), so
no new package is needed. The stored form carries its own parameters and salt — `scrypt$n$r$p$salt$hash`, both
base64 — so the cost can be raised later without breaking existing hashes.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

N, R, P = 2**15, 8, 1
"""32 MiB and ~0.1 s per check on a laptop: fine for an unlock, costly for a guesser."""
MIN_LENGTH = 8


class PassphraseTooShort(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_passphrase(passphrase: str, *, n: int = N) -> str:
    if len(passphrase) < MIN_LENGTH:
        raise PassphraseTooShort(f"use at least {MIN_LENGTH} characters")
    salt = os.urandom(16)
    key = Scrypt(salt=salt, length=32, n=n, r=R, p=P).derive(passphrase.encode("utf-8"))
    return f"scrypt${n}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_passphrase(passphrase: str, stored: str) -> bool:
    """True only for the right passphrase; a malformed or empty stored hash never verifies."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        kdf = Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p))
        kdf.verify(passphrase.encode("utf-8"), base64.b64decode(key))  # constant-time comparison inside
    except (ValueError, InvalidKey, TypeError):
        return False
    return True
