"""SelfSubjectAccessReview and SelfSubjectRulesReview, answered from the sim's deny rules so
that `kubectl auth can-i` says what the rules say. Reviews are created, never stored."""

from __future__ import annotations

from typing import Any

from warroom.sim.access import AccessRules
from warroom.sim.catalogue import ResourceType
from warroom.sim.credentials import AUTHENTICATED, User
from warroom.sim.defaults import type_problem
from warroom.sim.errors import ApiError

REVIEW_FIELDS = (
    ("spec", "object"),
    ("spec.resourceAttributes", "object"),
    ("spec.nonResourceAttributes", "object"),
)


def answer_review(rt: ResourceType, body: Any, access: AccessRules, user: User) -> dict[str, Any]:
    """The created review: the body's spec, and a status for `user` from their role and the
    sim's deny rules. A SelfSubjectReview (`kubectl auth whoami`) says who `user` is."""
    if not isinstance(body, dict):
        raise ApiError(400, f"the body of the request must be a {rt.kind} object")
    problem = type_problem(body, REVIEW_FIELDS)
    if problem is not None:
        raise ApiError(
            400, f'{rt.kind} in version "v1" cannot be handled as a {rt.kind}: {problem}'
        )
    if rt.kind == "SelfSubjectReview":
        groups = [*user.groups, *([] if AUTHENTICATED in user.groups else [AUTHENTICATED])]
        return {
            "kind": rt.kind,
            "apiVersion": rt.api_version,
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": {"username": user.name, "groups": groups}},
        }
    spec = body.get("spec") or {}
    out = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": {"creationTimestamp": None},
        "spec": spec,
    }
    if rt.kind == "SelfSubjectAccessReview":
        out["status"] = access.review(user, spec)
    else:
        out["status"] = access.rules_review(user)
    return out
