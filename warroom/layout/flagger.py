"""A Flagger target's settings (`strategy: flagger`, actions/flagger.py): its Canary, the
loadtester whose gates it opens, and whether warroom may skip the analysis."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from warroom.layout.fields import ObjectName, Text, WholeNumber

_SERVICE_RE = re.compile(
    r"(?P<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)/(?P<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
    r"(:(?P<port>[0-9]{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?))?"
)


def _service(value: str) -> str:
    if len(value) > 253 or _SERVICE_RE.fullmatch(value) is None:
        raise ValueError(
            f"{value!r} is not a Service as NAMESPACE/NAME:PORT (e.g. "
            "flagger-system/flagger-loadtester:80)"
        )
    return value


def service_parts(value: str) -> tuple[str, str, str]:
    """(namespace, name, port) of NAMESPACE/NAME[:PORT]; the port "" when not given."""
    found = _SERVICE_RE.fullmatch(value)
    if found is None:
        raise ValueError(f"{value!r} is not NAMESPACE/NAME[:PORT]")
    return found["namespace"], found["name"], found["port"] or ""


ServiceRef = Annotated[Text, AfterValidator(_service)]


class FlaggerSettings(BaseModel):
    """`flagger:` on a target: the Canary that owns it (flagger.app/v1beta1, in the target's
    namespace), the loadtester whose confirm-promotion gate promote opens (when set, the
    Canary's own webhook must name it), whether promote-full may set `spec.skipAnalysis`, and
    after how many analysis intervals without a status change Flagger counts as stuck."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    canary: ObjectName
    loadtester: ServiceRef | None = None
    allow_skip_analysis: StrictBool = False
    stuck_intervals: WholeNumber = Field(default=3, ge=1, le=100)
