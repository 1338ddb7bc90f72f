"""The bundle file: a readable manifest line, then the payload (JSON lines, one record version each).

```
HTST-BUNDLE\n
{"format": 1, "schema": "0002_sync", "device": "...", "seq": 7, "count": 120, "sha256": "...", ...}\n
<payload: plaintext JSON lines, or the encrypted payload>
```
The manifest stays readable when the payload is encrypted, so any device can check order (device, seq),
completeness (count, sha256 of the stored payload) and compatibility (format, schema) without the key.
Every way a file can be wrong raises `BundleError` naming the file: a reader never crashes on a bad bundle.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from htst_tui.sync import crypto

MAGIC = b"HTST-BUNDLE\n"
FORMAT_VERSION = 1
MAX_MANIFEST = 4096
NAME_RE = re.compile(r"^(\d{10})\.bundle$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class BundleError(Exception):
    """A bundle that fails a check; `path` names the file, `reason` says what is wrong in plain words."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class BundleLocked(BundleError):
    """An encrypted bundle and no private key here: not damaged, just unreadable on this device."""


@dataclass(frozen=True)
class Manifest:
    format: int
    schema: str
    device: str
    seq: int
    count: int
    sha256: str
    encrypted: bool

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True, separators=(",", ":")).encode()


def bundle_name(seq: int) -> str:
    return f"{seq:010d}.bundle"


@cache
def known_schemas() -> frozenset[str]:
    """Schema revisions this code can read: its own and every older one (a bundle from a newer app is refused)."""
    from htst_tui.db.engine import known_revisions

    return frozenset(known_revisions())


def current_schema() -> str:
    from htst_tui.db.schema import SCHEMA_HEAD

    return SCHEMA_HEAD


def encode_payload(versions: Sequence[str | dict[str, Any]]) -> bytes:
    """JSON lines; lines already rendered (by SQLite, see sqlite_rows) are used as they are."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    return "\n".join([v if isinstance(v, str) else dumps(v) for v in versions]).encode("utf-8")


def encode_bundle(device: str, seq: int, versions: Sequence[str | dict[str, Any]],
                  public_key: X25519PublicKey | None = None, *, schema: str = "") -> bytes:
    """`schema` defaults to this app's; compaction passes the rewritten bundle's own, so it stays as written."""
    payload = encode_payload(versions)
    if public_key is not None:
        payload = crypto.encrypt(payload, public_key)
    manifest = Manifest(format=FORMAT_VERSION, schema=schema or current_schema(), device=device, seq=seq,
                        count=len(versions), sha256=hashlib.sha256(payload).hexdigest(),
                        encrypted=public_key is not None)
    return MAGIC + manifest.to_json() + b"\n" + payload


def _manifest(raw: bytes, path: Path | str) -> Manifest:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(path, "the manifest is not readable JSON (damaged or truncated)") from exc
    if not isinstance(obj, dict):
        raise BundleError(path, "the manifest is not a JSON object")
    expected = {"format": int, "schema": str, "device": str, "seq": int, "count": int, "sha256": str,
                "encrypted": bool}
    if set(obj) != set(expected):
        raise BundleError(path, f"the manifest has fields {sorted(obj)}, expected {sorted(expected)}")
    for key, kind in expected.items():
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BundleError(path, f"manifest field {key} has the wrong type")
    m = Manifest(**obj)
    if m.format != FORMAT_VERSION:
        raise BundleError(path, f"bundle format {m.format} is not supported (this app reads format "
                                f"{FORMAT_VERSION}); update HTST Desk on this device")
    if m.schema not in known_schemas():
        raise BundleError(path, f"schema {m.schema!r} is unknown here (written by a newer HTST Desk?); "
                                "update HTST Desk on this device")
    if not UUID_RE.match(m.device):
        raise BundleError(path, "the manifest's device id is not a device id")
    if m.seq < 1 or m.count < 0:
        raise BundleError(path, "the manifest's sequence number or count is out of range")
    if not SHA_RE.match(m.sha256):
        raise BundleError(path, "the manifest's checksum is not a SHA-256")
    return m


def read_manifest(data: bytes, path: Path | str) -> tuple[Manifest, bytes]:
    """Check the envelope and checksum (no key needed); return the manifest and the stored payload."""
    if not data.startswith(MAGIC):
        raise BundleError(path, "not an HTST Desk bundle (no bundle header)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_MANIFEST)
    if end < 0:
        raise BundleError(path, "the manifest is missing or damaged (truncated file?)")
    manifest = _manifest(data[len(MAGIC):end], path)
    payload = data[end + 1:]
    if hashlib.sha256(payload).hexdigest() != manifest.sha256:
        raise BundleError(path, "checksum mismatch: the file was altered or truncated")
    return manifest, payload


def payload_lines(manifest: Manifest, payload: bytes, path: Path | str,
                  private_key: X25519PrivateKey | None) -> list[str]:
    """The stored payload (decrypted) as its JSON lines, unparsed: exactly `manifest.count` of them."""
    if manifest.encrypted:
        if private_key is None:
            raise BundleLocked(path, "encrypted to the council's key; this device has no private key to read it")
        try:
            payload = crypto.decrypt(payload, private_key)
        except crypto.DecryptError as exc:
            raise BundleError(path, str(exc)) from exc
    if manifest.count == 0:
        if payload:
            raise BundleError(path, "the manifest says no records but the payload is not empty")
        return []
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(path, "the payload is not UTF-8 text") from exc
    lines = text.split("\n")
    if len(lines) != manifest.count:
        raise BundleError(path, f"the manifest says {manifest.count} records, the payload holds {len(lines)}")
    return lines


def decode_payload(manifest: Manifest, payload: bytes, path: Path | str,
                   private_key: X25519PrivateKey | None) -> list[dict[str, Any]]:
    lines = payload_lines(manifest, payload, path, private_key)
    if not lines:
        return []
    try:
        versions = json.loads("[" + ",".join(lines) + "]")
    except (ValueError, RecursionError) as exc:
        raise BundleError(path, "the payload is not valid JSON lines") from exc
    if len(versions) != manifest.count or not all(isinstance(v, dict) for v in versions):
        raise BundleError(path, "every payload line must be one JSON object")
    return versions


def read_bundle(data: bytes, path: Path | str, private_key: X25519PrivateKey | None = None
                ) -> tuple[Manifest, list[dict[str, Any]]]:
    """Every check a bundle must pass; `BundleError` (or `BundleLocked`) is the only exception raised."""
    manifest, payload = read_manifest(data, path)
    return manifest, decode_payload(manifest, payload, path, private_key)
