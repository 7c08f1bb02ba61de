"""Orphan-account prospecting: closure notices in, worked lead lists out."""

__version__ = "0.1.0"
