"""Imports every domain's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from lanyan.accounts import models as accounts  # noqa: F401
from lanyan.exchange import models as exchange_models  # noqa: F401
from lanyan.geocode import models as geocode_models  # noqa: F401
from lanyan.logistics import models as logistics_models  # noqa: F401
from lanyan.monitoring import models as monitoring_models  # noqa: F401
from lanyan.ops import models as ops_models  # noqa: F401
from lanyan.outreach import models as outreach_models  # noqa: F401
from lanyan.plans import models as plans_models  # noqa: F401
from lanyan.prevention.models import documents as document_models  # noqa: F401
from lanyan.prevention.models import inspections as prevention_models  # noqa: F401
from lanyan.prevention.models import patrols as patrol_models  # noqa: F401
from lanyan.prevention.models import unit_files as unit_file_models  # noqa: F401
from lanyan.registry import models  # noqa: F401
from lanyan.response import models as response_models  # noqa: F401
from lanyan.risk import models as risk_models  # noqa: F401
from lanyan.stats import models as stats_models  # noqa: F401
from lanyan.store import audit  # noqa: F401
from lanyan.store.base import Base
from lanyan.vehicles import models as vehicle_models  # noqa: F401

metadata = Base.metadata
