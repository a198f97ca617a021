"""Just enough Kubernetes protobuf to read the bodies kubectl sends that way.

kubectl's authorization client posts SelfSubjectAccessReview and SelfSubjectRulesReview (and
`kubectl auth whoami` a SelfSubjectReview) as
`application/vnd.kubernetes.protobuf` (a `k8s\\0` magic prefix, then a runtime.Unknown
envelope holding the message). The sim answers in JSON, which those clients also accept.
Other protobuf bodies are refused with 415, naming JSON as the way to send them.
"""

from __future__ import annotations

from typing import Any

from warroom.sim.errors import ApiError

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

Fields = dict[int, list[Any]]

# Field numbers from k8s.io/api/authorization/v1/generated.proto.
_RESOURCE_ATTRIBUTES = {
    1: "namespace",
    2: "verb",
    3: "group",
    4: "version",
    5: "resource",
    6: "subresource",
    7: "name",
}
_NON_RESOURCE_ATTRIBUTES = {1: "path", 2: "verb"}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def parse_fields(data: bytes) -> Fields:
    """Decode one protobuf message into {field number: [raw values]} without a schema."""
    fields: Fields = {}
    pos = 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _strings(message: bytes, names: dict[int, str]) -> dict[str, str]:
    fields = parse_fields(message)
    return {name: fields[n][-1].decode() for n, name in names.items() if n in fields}


def _review_spec(kind: str, raw: bytes) -> dict[str, Any]:
    spec_fields = parse_fields(parse_fields(raw).get(2, [b""])[-1])
    if kind == "SelfSubjectRulesReview":
        return {"namespace": spec_fields[1][-1].decode()} if 1 in spec_fields else {}
    spec: dict[str, Any] = {}
    if 1 in spec_fields:
        spec["resourceAttributes"] = _strings(spec_fields[1][-1], _RESOURCE_ATTRIBUTES)
    if 2 in spec_fields:
        spec["nonResourceAttributes"] = _strings(spec_fields[2][-1], _NON_RESOURCE_ATTRIBUTES)
    return spec


def decode(body: bytes) -> dict[str, Any]:
    """A JSON-shaped object from a protobuf request body, for the kinds the sim can read."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "the protobuf body does not start with the Kubernetes magic prefix")
    try:
        envelope = parse_fields(body[len(MAGIC) :])
        type_meta = parse_fields(envelope.get(1, [b""])[-1])
        api_version = type_meta.get(1, [b""])[-1].decode()
        kind = type_meta.get(2, [b""])[-1].decode()
        raw = envelope.get(2, [b""])[-1]
        if kind in ("SelfSubjectAccessReview", "SelfSubjectRulesReview"):
            return {
                "apiVersion": api_version,
                "kind": kind,
                "metadata": {},
                "spec": _review_spec(kind, raw),
            }
        if kind == "SelfSubjectReview":  # `kubectl auth whoami`: nothing to read but its kind
            return {"apiVersion": api_version, "kind": kind, "metadata": {}}
    except (ValueError, UnicodeDecodeError, IndexError) as exc:
        raise ApiError(400, f"the protobuf body could not be decoded: {exc}") from exc
    raise ApiError(
        415,
        f"the sim reads protobuf only for access and self reviews, not {kind or 'this body'}; "
        "send it as application/json",
    )
