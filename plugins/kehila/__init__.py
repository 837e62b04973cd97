"""Kehila: a community hub for MkDocs (content model, plugin, harvest and editor tools)."""
