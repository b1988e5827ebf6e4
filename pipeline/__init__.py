"""Mentoring Resource Guide pipeline: ingest → normalise → validate → export → handbook; check-links."""
