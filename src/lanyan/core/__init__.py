"""Shared building blocks: settings, errors, geometry, codes, time."""
