"""SelfSubjectAccessReview and SelfSubjectRulesReview, answered from the sim's deny rules so
that `kubectl auth can-i` says what the rules say. Reviews are created, never stored."""

from __future__ import annotations

from typing import Any

from warroom.sim.access import AccessRules
from warroom.sim.catalogue import ResourceType
from warroom.sim.defaults import type_problem
from warroom.sim.errors import ApiError

REVIEW_FIELDS = (
    ("spec", "object"),
    ("spec.resourceAttributes", "object"),
    ("spec.nonResourceAttributes", "object"),
)


def answer_review(rt: ResourceType, body: Any, access: AccessRules) -> dict[str, Any]:
    """The created review: the body's spec, and a status from the sim's deny rules."""
    if not isinstance(body, dict):
        raise ApiError(400, f"the body of the request must be a {rt.kind} object")
    problem = type_problem(body, REVIEW_FIELDS)
    if problem is not None:
        raise ApiError(
            400, f'{rt.kind} in version "v1" cannot be handled as a {rt.kind}: {problem}'
        )
    spec = body.get("spec") or {}
    out = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": {"creationTimestamp": None},
        "spec": spec,
    }
    if rt.kind == "SelfSubjectAccessReview":
        out["status"] = access.review(spec)
    else:
        out["status"] = {
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": bool(access.rules),
            **(
                {"evaluationError": "the sim has deny rules, which a rules review cannot express"}
                if access.rules
                else {}
            ),
        }
    return out
