"""Lanyan (蓝焰): an open, self-hosted smart-fire platform (智慧消防平台)."""

__version__ = "0.1.0"
