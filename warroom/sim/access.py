"""Authorization in the sim: everything is allowed unless a deny rule matches.

Deny rules come from the scenario or the sim's control API, so that a drill or a test can
make `kubectl auth can-i` (SelfSubjectAccessReview) say no, and make the request itself fail
with 403 Forbidden exactly as RBAC would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from warroom.sim.errors import ApiError

USER = "warroom-sim"


@dataclass(frozen=True)
class DenyRule:
    """Deny `verbs` on `resources` in `groups` (and `namespaces`, `names`); `*` matches all."""

    verbs: tuple[str, ...] = ("*",)
    groups: tuple[str, ...] = ("*",)
    resources: tuple[str, ...] = ("*",)
    namespaces: tuple[str, ...] = ("*",)
    names: tuple[str, ...] = ("*",)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DenyRule:
        def field(name: str) -> tuple[str, ...]:
            value = data.get(name, ["*"])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"deny rule field {name!r} must be a string or a list of strings")
            return tuple(value)

        unknown = set(data) - {"verbs", "groups", "resources", "namespaces", "names"}
        if unknown:
            raise ValueError(f"deny rule has unknown fields: {', '.join(sorted(unknown))}")
        return cls(
            field("verbs"),
            field("groups"),
            field("resources"),
            field("namespaces"),
            field("names"),
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "verbs": list(self.verbs),
            "groups": list(self.groups),
            "resources": list(self.resources),
            "namespaces": list(self.namespaces),
            "names": list(self.names),
        }

    def matches(self, verb: str, group: str, resource: str, namespace: str, name: str) -> bool:
        return (
            _hit(self.verbs, verb)
            and _hit(self.groups, group)
            and _hit(self.resources, resource)
            and _hit(self.namespaces, namespace)
            and _hit(self.names, name)
        )


def _hit(allowed: tuple[str, ...], value: str) -> bool:
    return "*" in allowed or value in allowed


class AccessRules:
    """The deny list, shared by the request path and SelfSubjectAccessReview."""

    def __init__(self, rules: Iterable[DenyRule] = ()) -> None:
        self.rules: list[DenyRule] = list(rules)

    def deny(self, rule: DenyRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def denied_by(
        self, verb: str, group: str, resource: str, namespace: str = "", name: str = ""
    ) -> DenyRule | None:
        for rule in self.rules:
            if rule.matches(verb, group, resource, namespace, name):
                return rule
        return None

    def check(
        self, verb: str, group: str, resource: str, namespace: str, name: str, subresource: str
    ) -> None:
        """Raise 403 Forbidden, worded as the real RBAC authorizer words it."""
        full = f"{resource}/{subresource}" if subresource else resource
        if self.denied_by(verb, group, full, namespace, name) is None and (
            not subresource or self.denied_by(verb, group, resource, namespace, name) is None
        ):
            return
        what = f'{resource}.{group} "{name}"' if group else f'{resource} "{name}"'
        if not name:
            what = f"{resource}.{group}" if group else resource
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise ApiError(
            403,
            f'{what} is forbidden: User "{USER}" cannot {verb} resource "{full}" in API group '
            f'"{group}"{where}',
            details={"name": name, "group": group, "kind": resource},
        )

    def review(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The status of a SelfSubjectAccessReview for `spec`."""
        attrs = spec.get("resourceAttributes")
        if not isinstance(attrs, Mapping):
            return {"allowed": True, "reason": "non-resource URLs are allowed in the sim"}
        resource = str(attrs.get("resource", ""))
        sub = str(attrs.get("subresource", ""))
        full = f"{resource}/{sub}" if sub else resource
        args = (
            str(attrs.get("verb", "")),
            str(attrs.get("group", "")),
            full,
            str(attrs.get("namespace", "")),
            str(attrs.get("name", "")),
        )
        rule = self.denied_by(*args)
        if rule is None and sub:
            rule = self.denied_by(args[0], args[1], resource, args[3], args[4])
        if rule is None:
            return {"allowed": True, "reason": "allowed: no warroom sim deny rule matches"}
        # RBAC gives no reason when it denies, so `kubectl auth can-i` prints a bare "no".
        return {"allowed": False}
