"""The deterministic demo county: 盐城市大丰区 as its 14th Five-Year fire plan describes it.

``generate(seed)`` builds every record (pure, no database, no clock); ``build.load`` writes them
through the registry service as ``system:demo``; ``lanyan demo`` does both with progress bars.
What is real and what is synthetic is listed in ``data/README.md``.
"""
