"""Harvest: pull stories and resolved Q&A threads from their sources into content/."""
