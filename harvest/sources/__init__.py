"""Source adapters, one module per kind of source."""
