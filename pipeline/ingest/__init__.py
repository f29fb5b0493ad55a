"""Ingestion: files in, `Item`s and `Quarantined` records out. One module per channel."""
