"""Leases (coordination.k8s.io/v1) as the real registry takes them: spec.acquireTime and
spec.renewTime decoded as metav1.MicroTime (RFC 3339 with exactly six fractional digits,
re-encoded in UTC), the lease strategy's PrepareForCreate/Update and ValidateLeaseSpec
(pkg/apis/coordination/validation)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from warroom.sim.errors import invalid
from warroom.sim.store import Obj

LEASES = ("coordination.k8s.io", "leases")
GROUP = "coordination.k8s.io"
MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00"
TIME_FIELDS = ("acquireTime", "renewTime")
# Fields of the CoordinatedLeaderElection feature gate, alpha and off in v1.32: dropped.
GATED_FIELDS = ("strategy", "preferredHolder")

_DATE_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")
_FRACTION = re.compile(r"[.,](\d{6})")
_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)")


def _parse_error(value: str, element: str, layout_element: str) -> ValueError:
    return ValueError(
        f'parsing time "{value}" as "{MICRO_LAYOUT}": cannot parse "{element}" as '
        f'"{layout_element}"'
    )


def parse_micro_time(value: str) -> datetime:
    """`time.Parse(RFC3339Micro, value)` as MicroTime.UnmarshalJSON calls it; ValueError with
    Go's wording when the text does not fit the layout."""
    date = _DATE_TIME.match(value)
    if date is None:
        raise _parse_error(value, value, "2006")
    rest = value[date.end() :]
    fraction = _FRACTION.match(rest)
    if fraction is None:
        raise _parse_error(value, rest, ".000000")
    rest = rest[fraction.end() :]
    if rest.startswith("Z"):
        offset, rest = timedelta(0), rest[1:]
    else:
        zone = _OFFSET.match(rest)
        if zone is None:
            raise _parse_error(value, rest, "Z07:00")
        sign = -1 if zone[1] == "-" else 1
        offset = sign * timedelta(hours=int(zone[2]), minutes=int(zone[3]))
        rest = rest[zone.end() :]
    if rest:
        raise ValueError(f'parsing time "{value}": extra text: "{rest}"')
    year, month, day, hour, minute, second = (int(part) for part in date.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, int(fraction[1]), UTC)
    except ValueError:
        raise ValueError(f'parsing time "{value}": day out of range') from None
    return moment - offset


def format_micro_time(moment: datetime) -> str:
    """MicroTime.MarshalJSON: UTC, six fractional digits, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_times(lease: Obj) -> str | None:
    """Decode the spec's MicroTimes and write them back as the server encodes them; the
    decoder's error for the first that does not parse, None when all do."""
    spec = lease.get("spec")
    if not isinstance(spec, dict):
        return None
    for field in TIME_FIELDS:
        value = spec.get(field)
        if not isinstance(value, str):
            continue
        try:
            spec[field] = format_micro_time(parse_micro_time(value))
        except ValueError as exc:
            return str(exc)
    return None


def prepare(lease: Obj, old: Obj | None) -> None:
    """PrepareForCreate/PrepareForUpdate with the gate off, then ValidateLeaseSpec."""
    spec = lease.setdefault("spec", {})
    old_spec = (old or {}).get("spec") or {}
    for field in GATED_FIELDS:
        if field in old_spec:
            spec[field] = old_spec[field]
        else:
            spec.pop(field, None)
    name = lease["metadata"].get("name", "")
    duration = spec.get("leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        raise invalid(
            "Lease",
            name,
            GROUP,
            "spec.leaseDurationSeconds",
            f"Invalid value: {duration}: must be greater than 0",
        )
    transitions = spec.get("leaseTransitions")
    if isinstance(transitions, int) and transitions < 0:
        raise invalid(
            "Lease",
            name,
            GROUP,
            "spec.leaseTransitions",
            f"Invalid value: {transitions}: must be greater than or equal to 0",
        )
