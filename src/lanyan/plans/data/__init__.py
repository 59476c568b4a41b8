"""Packaged plan files (``<id>.yaml``) and the plans' Chinese reference text (``text/``)."""
