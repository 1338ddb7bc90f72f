"""The officer's unlock passphrase: stored only as a salted scrypt hash, checked in constant time.

scrypt (RFC 7914) is memory-hard, so guessing a stolen config.toml offline is slow on GPUs too; it comes from
`cryptography` (already a dependency for encrypted bundles, maintained by the PyCA with OpenSSL underneath), so
no new package is needed. The stored form carries its own parameters and salt — `scrypt$n$r$p$salt$hash`, both
base64 — so the cost can be raised later without breaking existing hashes.

A forgotten passphrase has no way round it here (no master key, no backdoor): the lock protects the screen,
not the data at rest, so whoever administers the officer's account clears `passphrase_hash` in config.toml and
the next lock asks for a new one (README, "Idle lock").
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from htst_tui.errors import HtstError
from htst_tui.services.audit import audited
from htst_tui.services.context import ServiceContext
from htst_tui.settings import Settings, save_settings

N, R, P = 2**15, 8, 1
"""32 MiB and ~0.1 s per check on a laptop: fine for an unlock, costly for a guesser."""
MIN_LENGTH = 8


class PassphraseTooShort(ValueError):
    pass


class PassphraseRejected(ValueError):
    """A passphrase change that cannot be made; `problems` maps each field at fault ("current", "new",
    "again") to a plain message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


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


def new_passphrase_problems(new: str, again: str) -> dict[str, str]:
    """What is wrong with a new passphrase typed twice, by field ("new", "again"); empty when it can be used.
    Quick (no hashing), so screens can say it at once."""
    if len(new) < MIN_LENGTH:
        return {"new": f"Passphrase too short: use at least {MIN_LENGTH} characters."}
    if new != again:
        return {"again": "The two passphrases differ: type them again."}
    return {}


def change_passphrase(ctx: ServiceContext, new: str, again: str, *, current: str = "",
                      base: Settings | None = None) -> Settings:
    """Check `current` against the stored hash (none set: it is not asked), check `new` (typed twice), and save
    the new hash to config.toml with an audit entry that says only that it changed. Returns the saved settings
    for the caller to apply. Slow on purpose (scrypt, twice): run it in a worker thread.

    `base` is the settings to save the hash into (default: the context's); the first-run profile passes its new
    name and role, so they are saved with the hash in one write and the audit entry names that officer.

    Raises `PassphraseRejected` (nothing saved) or OSError if config.toml cannot be written (no audit entry)."""
    base = base or ctx.settings
    stored = base.security.passphrase_hash
    problems: dict[str, str] = {}
    if stored and not verify_passphrase(current, stored):
        problems["current"] = "That is not your current passphrase."
    problems.update(new_passphrase_problems(new, again))
    if stored and "current" not in problems and "new" not in problems and new == current:
        problems["new"] = "That is your current passphrase: choose a different one."
    if problems:
        raise PassphraseRejected(problems)
    updated = base.model_copy(deep=True)
    updated.security.passphrase_hash = hash_passphrase(new)
    with audited(ctx, action="passphrase", entity="settings", officer=updated.profile.officer_name.strip(),
                 detail="unlock passphrase changed" if stored else "unlock passphrase set"):
        save_settings(updated)
    return updated


def set_first_passphrase(ctx: ServiceContext, new: str, again: str, base: Settings,
                         failed: str) -> Settings | str:
    """A first passphrase (none to check), for forms with one message line: the saved settings, or what to say
    instead — the first problem found, or `failed` and why config.toml could not be written."""
    try:
        return change_passphrase(ctx, new, again, base=base)
    except PassphraseRejected as exc:
        return next(iter(exc.problems.values()))
    except (OSError, HtstError) as exc:
        return f"{failed}: {exc}"
