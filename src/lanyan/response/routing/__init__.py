"""Road network and routing core (路网与路径规划): plain Python, NumPy and SciPy only.

Sources (:mod:`readers`) give :class:`RoadSegments`; :meth:`RoadGraph.compile` turns them into
CSR arrays; :class:`Router` snaps points and answers one-to-one, one-to-many and many-to-one
travel-time queries.
"""

from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.router import Route, Router
from lanyan.response.routing.segments import RoadSegments
from lanyan.response.routing.snap import OffNetwork, Snap
from lanyan.response.routing.speeds import SpeedTable

__all__ = ["OffNetwork", "RoadGraph", "RoadSegments", "Route", "Router", "Snap", "SpeedTable"]
