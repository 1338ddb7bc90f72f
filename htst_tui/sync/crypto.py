"""Bundle encryption to the council's public key, age-like: ephemeral X25519 + HKDF-SHA256 + ChaCha20-Poly1305.

Each bundle gets a fresh ephemeral key pair, so a device needs only the council's public key to write, and only
the private key's holder can read: a lost stick leaks nothing. Keys are small text files (one base64 line with a
label) so they can be pasted into a ticket or a config without tooling.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from htst_tui.errors import HtstError
from htst_tui.paths import ensure_private_dir, write_private_file

PUBLIC_PREFIX = "htst-x25519-public:"
PRIVATE_PREFIX = "htst-x25519-private:"
INFO = b"htst-bundle-v1"
PUBLIC_FILE = "htst-bundle-key.pub"
PRIVATE_FILE = "htst-bundle-key.private"


class EncryptionKeyError(HtstError):
    title = "Encryption key problem"


class DecryptError(Exception):
    """The payload cannot be opened with this key (wrong key, or the ciphertext was altered)."""


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _derive(shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=INFO).derive(shared)


def encrypt(plaintext: bytes, recipient: X25519PublicKey) -> bytes:
    """ephemeral public key (32) + nonce (12) + ChaCha20-Poly1305 ciphertext with tag."""
    eph = X25519PrivateKey.generate()
    eph_pub = _raw_public(eph.public_key())
    key = _derive(eph.exchange(recipient), eph_pub, _raw_public(recipient))
    nonce = os.urandom(12)
    return eph_pub + nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, INFO)


def decrypt(blob: bytes, private: X25519PrivateKey) -> bytes:
    if len(blob) < 32 + 12 + 16:
        raise DecryptError("too short to be an encrypted payload")
    eph_pub, nonce, body = blob[:32], blob[32:44], blob[44:]
    try:
        key = _derive(private.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub,
                      _raw_public(private.public_key()))
        return ChaCha20Poly1305(key).decrypt(nonce, body, INFO)
    except (InvalidTag, ValueError) as exc:
        raise DecryptError("the key does not open this payload (wrong key, or the bundle was altered)") from exc


def generate_key_pair(folder: Path) -> tuple[Path, Path]:
    """Write a new key pair into `folder` (private 0600); refuse to overwrite an existing private key."""
    ensure_private_dir(folder)
    private_path, public_path = folder / PRIVATE_FILE, folder / PUBLIC_FILE
    if private_path.exists():
        raise EncryptionKeyError(f"{private_path} already exists; move it away first (bundles made for it need it).")
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    write_private_file(private_path, f"{PRIVATE_PREFIX}{base64.b64encode(raw).decode()}\n".encode())
    pub = base64.b64encode(_raw_public(private.public_key())).decode()
    write_private_file(public_path, f"{PUBLIC_PREFIX}{pub}\n".encode())
    return private_path, public_path


def _read_key_text(path: Path, prefix: str, what: str) -> bytes:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise EncryptionKeyError(f"Cannot read the {what} {path}: {exc}") from exc
    if not text.startswith(prefix):
        raise EncryptionKeyError(f"{path} is not an HTST Desk {what} (it should start with {prefix}).")
    try:
        raw = base64.b64decode(text[len(prefix):], validate=True)
    except ValueError as exc:
        raise EncryptionKeyError(f"{path} is damaged: the key is not valid base64.") from exc
    if len(raw) != 32:
        raise EncryptionKeyError(f"{path} is damaged: a key is 32 bytes, this one is {len(raw)}.")
    return raw


def load_public_key(path: Path) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_read_key_text(path, PUBLIC_PREFIX, "public key"))


def load_private_key(path: Path) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_read_key_text(path, PRIVATE_PREFIX, "private key"))
