"""The MkDocs adapter: the only modules of Kehila that import MkDocs.

``plugin.py`` is the ``kehila`` plugin (its options in ``config.py``); the rest serve it. Below
this package everything is engine-neutral: the content model, the hub's pages, feeds, search.
"""
