"""The editor's desk: review the queue, record consent and disclosure, and keep the hub healthy.

Every command works on the plain files in ``content/`` and changes only the front matter fields it
owns (see :mod:`kehila.itemfile`), so git stays the history and the way editors collaborate.
"""
