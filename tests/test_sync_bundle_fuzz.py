"""Fuzz the bundle reader: thousands of generated and mutated inputs, and the only exception is BundleError."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from htst_tui.sync.bundle import BundleError, encode_bundle, read_bundle
from htst_tui.sync.merge import Rejection, from_wire

DEVICE = str(uuid.UUID(int=7))
RECORDS = [{"e": "schools", "id": str(uuid.UUID(int=i + 1)), "rev": f"1-{i:032x}", "h": [],
            "d": {"urn": 100001 + i, "name": f"Fictional School {i}", "phase": "primary", "postcode": "BN1 1AA"},
            "x": False, "at": "2026-01-01T00:00:00+00:00", "by": "Officer", "o": DEVICE} for i in range(3)]
GOOD = encode_bundle(DEVICE, 1, RECORDS)


def _read(data: bytes) -> None:
    try:
        _, records = read_bundle(data, "fuzz.bundle")
    except BundleError as exc:
        assert exc.path == "fuzz.bundle" and exc.reason
        return
    for r in records:  # whatever parses must also pass or fail the envelope check cleanly
        assert isinstance(from_wire(r, "fuzz.bundle"), (Rejection, object))


def test_good_bundle_reads_back() -> None:
    manifest, records = read_bundle(GOOD, "good.bundle")
    assert manifest.count == 3 and records == RECORDS


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_bundle_error(data: bytes) -> None:
    _read(data)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, len(GOOD)))
def test_mutated_bundles_raise_only_bundle_error(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(GOOD)
    for pos, byte in flips:
        data[pos] = byte
    _read(bytes(data[:cut]) if cut < len(GOOD) // 2 else bytes(data))


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "schema", "device", "seq", "count", "sha256", "encrypted", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.text(max_size=70),
                                 st.lists(st.integers(), max_size=3))),
       st.binary(max_size=200))
def test_generated_manifests_raise_only_bundle_error(manifest: dict, payload: bytes) -> None:  # type: ignore[type-arg]
    import json

    _read(b"HTST-BUNDLE\n" + json.dumps(manifest).encode() + b"\n" + payload)


@settings(max_examples=600, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                    max_leaves=20))
def test_envelope_check_never_crashes_on_any_json(obj: object) -> None:
    result = from_wire(obj, "fuzz.bundle")
    assert isinstance(result, Rejection)
