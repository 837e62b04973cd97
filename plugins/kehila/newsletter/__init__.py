"""The newsletter written once: the email of an issue, drafts and sending (no MkDocs here)."""
