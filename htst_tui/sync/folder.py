"""The folder target (shared drive, USB stick): write-once bundle files, one folder per device.

Layout: `<folder>/htst-store.json` (the store id) and `<folder>/bundles/<device id>/<seq>.bundle`, `seq`
gap-free per device from 1. A bundle is written to a dot-prefixed temporary name, fsynced, renamed, and the
folder fsynced; readers ignore dot names, so a crash leaves no visible bundle. A device's bundles apply in
order; on a gap (a missing number) or a bundle that fails a check, the device's later bundles *wait* — they
are reported on every sync (so the exit code says so) and apply once the missing or damaged file is put
back. Bundles of every other device still apply.

"Write-once" has one exception: compaction (`sync/compact.py`) rewrites a bundle in place, same device, number
and schema, without the superseded versions of deleted records, through the same temp-fsync-rename path.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from htst_tui.paths import ensure_private_dir
from htst_tui.sync.bundle import NAME_RE, UUID_RE, BundleError, BundleLocked, bundle_name, encode_bundle, read_bundle
from htst_tui.sync.merge import Progress, Rejection
from htst_tui.sync.target import PullReport, PullUnit, SyncTarget, SyncTargetError

STORE_FILE = "htst-store.json"
BUNDLE_MAX_RECORDS = 50_000
"""Bigger pushes are split, so no single file (or its memory while read) grows without bound."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_once(path: Path, data: bytes) -> None:
    """Temp name, fsync, rename, fsync the folder; refuses to replace an existing bundle (write-once)."""
    if path.exists():
        raise SyncTargetError(f"{path} already exists; bundles are never overwritten.")
    write_atomically(path, data)


def write_atomically(path: Path, data: bytes, tag: str = "tmp") -> None:
    """Temp name (dot-prefixed, so readers ignore it), fsync, rename over `path`, fsync the folder: a crash
    leaves `path` either as it was or as `data`. Only compaction replaces an existing bundle this way."""
    tmp = path.with_name(f".{path.name}.{tag}-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


class FolderTarget(SyncTarget):
    def __init__(self, root: Path, *, public_key: X25519PublicKey | None = None,
                 private_key: X25519PrivateKey | None = None) -> None:
        self.root = root
        self.label = str(root)
        self.public_key = public_key
        self.private_key = private_key
        if not root.exists():
            if not root.parent.exists():
                raise SyncTargetError(f"The folder {root} does not exist (nor its parent {root.parent}). "
                                      "Check the drive is connected and the path is right.")
            ensure_private_dir(root)
        if not root.is_dir():
            raise SyncTargetError(f"{root} is a file; the sync target must be a folder.")
        self.bundles = root / "bundles"
        self.store_id = self._store_id()

    def _store_id(self) -> str:
        marker = self.root / STORE_FILE
        if not marker.exists():
            try:
                write_once(marker, json.dumps({"store_id": str(uuid.uuid4()), "format": 1}).encode())
            except SyncTargetError:
                pass  # another device made it first: read theirs
            except OSError as exc:
                raise SyncTargetError(f"Cannot write to {self.root}: {exc.strerror}. Is it read-only?") from exc
        try:
            store = json.loads(marker.read_text(encoding="utf-8"))["store_id"]
            uuid.UUID(store)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SyncTargetError(f"{marker} is damaged: it should hold this store's id. Restore it from "
                                  "another copy of the folder.") from exc
        return str(store)

    def _device_seqs(self, folder: Path) -> tuple[dict[int, Path], list[Path]]:
        """Bundle files by sequence number, and files that are not bundles (dot names are temporary)."""
        seqs: dict[int, Path] = {}
        strays: list[Path] = []
        for p in folder.iterdir():
            if p.name.startswith("."):
                continue
            m = NAME_RE.match(p.name)
            if m and p.is_file():
                seqs[int(m.group(1))] = p
            else:
                strays.append(p)
        return seqs, strays

    def push(self, device: str, versions: list[str], progress: Progress | None = None) -> int:
        if not versions:
            return 0
        folder = ensure_private_dir(self.bundles / device)
        seqs, _ = self._device_seqs(folder)
        seq = max(seqs, default=0) + 1
        try:
            for start in range(0, len(versions), BUNDLE_MAX_RECORDS):
                if progress:
                    progress(f"Writing bundle {seq}", start / len(versions))
                chunk = versions[start:start + BUNDLE_MAX_RECORDS]
                write_once(folder / bundle_name(seq), encode_bundle(device, seq, chunk, self.public_key))
                seq += 1
        except OSError as exc:
            raise SyncTargetError(f"Cannot write a bundle in {folder}: {exc.strerror or exc}. Nothing was "
                                  "marked as sent; sync again when the folder is writable.") from exc
        return len(versions)

    def pull(self, device: str, positions: dict[str, int], progress: Progress | None = None) -> PullReport:
        report = PullReport()
        if not self.bundles.is_dir():
            return report
        devices = sorted(p for p in self.bundles.iterdir() if not p.name.startswith("."))
        for i, folder in enumerate(devices):
            if progress:
                progress(f"Reading bundles of device {folder.name[:8]}", i / max(1, len(devices)))
            if not folder.is_dir() or not UUID_RE.match(folder.name):
                report.rejected.append(Rejection(str(folder), "", "", "not a device folder of this store"))
                continue
            if folder.name == device:
                continue
            self._pull_device(folder, positions.get(folder.name, 0), report)
        return report

    def _pull_device(self, folder: Path, position: int, report: PullReport) -> None:
        seqs, strays = self._device_seqs(folder)
        for p in strays:
            report.rejected.append(Rejection(str(p), "", "", "not a bundle file name (expected NNNNNNNNNN.bundle)"))
        pending = sorted(s for s in seqs if s > position)
        expected = position + 1
        for seq in pending:
            path = seqs[seq]
            if seq != expected:
                waiting = len([s for s in pending if s >= seq])
                report.rejected.append(Rejection(
                    str(folder / bundle_name(expected)), "", "",
                    f"bundle {expected} of device {folder.name} is missing: {waiting} later bundle(s) wait "
                    "until it is copied back"))
                return
            try:
                manifest, records = read_bundle(path.read_bytes(), path, self.private_key)
                if manifest.device != folder.name or manifest.seq != seq:
                    raise BundleError(path, f"duplicate or misplaced: it is bundle {manifest.seq} of device "
                                            f"{manifest.device}, stored as {seq} of {folder.name}")
            except BundleLocked as exc:
                report.notices.append(f"{exc.path}: {exc.reason} (this and later bundles of the device wait)")
                return
            except BundleError as exc:
                later = len(pending) - pending.index(seq) - 1
                report.rejected.append(Rejection(exc.path, "", "", exc.reason + (
                    f"; {later} later bundle(s) of this device wait" if later else "")))
                return
            except OSError as exc:
                report.rejected.append(Rejection(str(path), "", "", f"cannot be read: {exc.strerror or exc}"))
                return
            report.units.append(PullUnit(folder.name, seq, str(path), records))
            expected = seq + 1
