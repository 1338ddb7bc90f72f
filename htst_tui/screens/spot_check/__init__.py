"""Spot checks at a school gate: visits, the per-vehicle checklist, follow-ups and operator compliance."""
