"""Kehila's own site search: a chunked static index per language and a small browser client.

``index.py`` builds the index, ``text.py`` turns HTML into terms and ``worker.py`` indexes in a
child process; ``kehila.mkdocs.hub_search`` feeds them the pages of a build.
"""
