"""VoC pipeline: ingest → normalise → segment → classify → score → store → aggregate."""

__version__ = "0.1.0"
