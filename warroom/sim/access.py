"""Authorization in the sim: what each user's role grants, less any deny rule that matches.

Two roles stand for RBAC's bindings: an operator (the `warroom-sim` user, or anyone in
system:masters: cluster-admin) may do everything, a viewer (`warroom-sim-viewer`, or the
warroom:viewers group: the `view` ClusterRole) may get, list and watch. Every authenticated
user may ask the self reviews, as system:basic-user grants. Anyone else may do nothing.

Deny rules come from the scenario or the sim's control API, so that a drill or a test can
make `kubectl auth can-i` (SelfSubjectAccessReview) say no, and make the request itself fail
with 403 Forbidden exactly as RBAC would; a rule names the users it holds for (all by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from warroom.sim.credentials import MASTERS, OPERATOR, VIEWER, VIEWERS, User
from warroom.sim.errors import ApiError

READ_VERBS = frozenset({"get", "list", "watch"})
# What system:basic-user grants every authenticated user.
SELF_REVIEWS = frozenset(
    {
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
    }
)


@dataclass(frozen=True)
class DenyRule:
    """Deny `verbs` on `resources` in `groups` (and `namespaces`, `names`) to `users`; `*`
    matches all."""

    verbs: tuple[str, ...] = ("*",)
    groups: tuple[str, ...] = ("*",)
    resources: tuple[str, ...] = ("*",)
    namespaces: tuple[str, ...] = ("*",)
    names: tuple[str, ...] = ("*",)
    users: tuple[str, ...] = ("*",)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DenyRule:
        def field(name: str) -> tuple[str, ...]:
            value = data.get(name, ["*"])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"deny rule field {name!r} must be a string or a list of strings")
            return tuple(value)

        unknown = set(data) - {"verbs", "groups", "resources", "namespaces", "names", "users"}
        if unknown:
            raise ValueError(f"deny rule has unknown fields: {', '.join(sorted(unknown))}")
        return cls(
            field("verbs"),
            field("groups"),
            field("resources"),
            field("namespaces"),
            field("names"),
            field("users"),
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "verbs": list(self.verbs),
            "groups": list(self.groups),
            "resources": list(self.resources),
            "namespaces": list(self.namespaces),
            "names": list(self.names),
            "users": list(self.users),
        }

    def matches(
        self, verb: str, group: str, resource: str, namespace: str, name: str, user: str = ""
    ) -> bool:
        return (
            _hit(self.users, user)
            and _hit(self.verbs, verb)
            and _hit(self.groups, group)
            and _hit(self.resources, resource)
            and _hit(self.namespaces, namespace)
            and _hit(self.names, name)
        )


def _hit(allowed: tuple[str, ...], value: str) -> bool:
    return "*" in allowed or value in allowed


def role_of(user: User) -> str:
    """ "operator", "viewer" or "" (no role): the binding that holds for `user`."""
    if user.name == OPERATOR or MASTERS in user.groups:
        return "operator"
    if user.name == VIEWER or VIEWERS in user.groups:
        return "viewer"
    return ""


def _granted(user: User, verb: str, group: str, resource: str) -> str | None:
    """RBAC's reason when `user`'s role grants the verb, None when no role does."""
    base = resource.partition("/")[0]
    role = role_of(user)
    if role == "operator":
        subject = f'User "{user.name}"' if user.name == OPERATOR else f'Group "{MASTERS}"'
        return (
            'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole '
            f'"cluster-admin" to {subject}'
        )
    if role == "viewer" and verb in READ_VERBS:
        subject = f'User "{user.name}"' if user.name == VIEWER else f'Group "{VIEWERS}"'
        return (
            f'RBAC: allowed by ClusterRoleBinding "warroom-view" of ClusterRole "view" to {subject}'
        )
    if (group, base) in SELF_REVIEWS and verb == "create":
        return (
            'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole '
            '"system:basic-user" to Group "system:authenticated"'
        )
    return None


class AccessRules:
    """Each user's role and the deny list, shared by the request path and the reviews."""

    def __init__(self, rules: Iterable[DenyRule] = ()) -> None:
        self.rules: list[DenyRule] = list(rules)

    def deny(self, rule: DenyRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def denied_by(
        self,
        verb: str,
        group: str,
        resource: str,
        namespace: str = "",
        name: str = "",
        user: str = OPERATOR,
    ) -> DenyRule | None:
        for rule in self.rules:
            if rule.matches(verb, group, resource, namespace, name, user):
                return rule
        return None

    def decide(
        self,
        user: User,
        verb: str,
        group: str,
        resource: str,
        subresource: str = "",
        namespace: str = "",
        name: str = "",
    ) -> str | None:
        """RBAC's reason when `user` may, None when a role does not grant it or a rule denies."""
        full = f"{resource}/{subresource}" if subresource else resource
        reason = _granted(user, verb, group, full)
        if reason is None:
            return None
        if self.denied_by(verb, group, full, namespace, name, user.name) is not None:
            return None
        if subresource and self.denied_by(verb, group, resource, namespace, name, user.name):
            return None
        return reason

    def check(
        self,
        user: User,
        verb: str,
        group: str,
        resource: str,
        namespace: str,
        name: str,
        subresource: str,
    ) -> None:
        """Raise 403 Forbidden, worded as the real RBAC authorizer words it."""
        if self.decide(user, verb, group, resource, subresource, namespace, name) is not None:
            return
        full = f"{resource}/{subresource}" if subresource else resource
        what = f'{resource}.{group} "{name}"' if group else f'{resource} "{name}"'
        if not name:
            what = f"{resource}.{group}" if group else resource
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise ApiError(
            403,
            f'{what} is forbidden: User "{user.name}" cannot {verb} resource "{full}" in API '
            f'group "{group}"{where}',
            details={"name": name, "group": group, "kind": resource},
        )

    def review(self, user: User, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The status of a SelfSubjectAccessReview for `spec`, asked by `user`."""
        attrs = spec.get("resourceAttributes")
        if not isinstance(attrs, Mapping):
            if role_of(user) == "operator":
                return {"allowed": True, "reason": _granted(user, "get", "", "")}
            return {"allowed": False}
        reason = self.decide(
            user,
            str(attrs.get("verb", "")),
            str(attrs.get("group", "")),
            str(attrs.get("resource", "")),
            str(attrs.get("subresource", "")),
            str(attrs.get("namespace", "")),
            str(attrs.get("name", "")),
        )
        if reason is None:
            # RBAC gives no reason when it denies, so `kubectl auth can-i` prints a bare "no".
            return {"allowed": False}
        return {"allowed": True, "reason": reason}

    def rules_review(self, user: User) -> dict[str, Any]:
        """The status of a SelfSubjectRulesReview: what `user`'s role grants."""
        basic = [
            {"verbs": ["create"], "apiGroups": [group], "resources": [plural]}
            for group, plural in sorted(SELF_REVIEWS)
        ]
        role = role_of(user)
        if role == "operator":
            granted = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            non_resource = [{"verbs": ["*"], "nonResourceURLs": ["*"]}]
        elif role == "viewer":
            granted = [{"verbs": sorted(READ_VERBS), "apiGroups": ["*"], "resources": ["*"]}]
            non_resource = [
                {
                    "verbs": ["get"],
                    "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"],
                }
            ]
        else:
            granted = []
            non_resource = [
                {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version"]}
            ]
        mine = [r for r in self.rules if "*" in r.users or user.name in r.users]
        return {
            "resourceRules": [*granted, *basic],
            "nonResourceRules": non_resource,
            "incomplete": bool(mine),
            **(
                {"evaluationError": "the sim has deny rules, which a rules review cannot express"}
                if mine
                else {}
            ),
        }
