"""Whether ingress-nginx keeps a user on the canary (green) once its weight is 0, read from
the two Ingresses as the controller reads them:

- the main Ingress's `affinity: cookie` is the primary backend's session affinity; when the
  canary Ingress is merged into it (controller.go's mergeAlternativeBackend), that affinity is
  copied to the canary's backend unless the *canary* Ingress says
  `affinity-canary-behavior: legacy` (`sticky` is the default);
- balancer.lua's route_to_alternative_balancer sends a request whose cookie names the canary
  to the canary *before* it looks at the weight, so sticky users stay on green at weight 0
  until their cookie expires; so do requests carrying the canary-by-header (or its value or
  pattern) and a canary-by-cookie of "always", which are also judged before the weight.

The annotation prefix is ingress-nginx's default, nginx.ingress.kubernetes.io.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "nginx.ingress.kubernetes.io/"
AFFINITY = PREFIX + "affinity"
CANARY_BEHAVIOR = PREFIX + "affinity-canary-behavior"
COOKIE_NAME = PREFIX + "session-cookie-name"
COOKIE_MAX_AGE = PREFIX + "session-cookie-max-age"
COOKIE_EXPIRES = PREFIX + "session-cookie-expires"
BY_HEADER = PREFIX + "canary-by-header"
BY_HEADER_VALUE = PREFIX + "canary-by-header-value"
BY_HEADER_PATTERN = PREFIX + "canary-by-header-pattern"
BY_COOKIE = PREFIX + "canary-by-cookie"
DEFAULT_COOKIE = "INGRESSCOOKIE"


def annotations_of(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def described(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


@dataclass(frozen=True, slots=True)
class Stickiness:
    """What weight 0 leaves on green: `sticky` True (users stay), False (none do), None
    (unknown), and the sentence that says so before the rollback."""

    sticky: bool | None
    sentence: str


def _cookie_lasts(main: Mapping[str, str]) -> str:
    if main.get(COOKIE_MAX_AGE):
        return f"session-cookie-max-age {main[COOKIE_MAX_AGE]} s"
    if main.get(COOKIE_EXPIRES):
        return f"session-cookie-expires {main[COOKIE_EXPIRES]} s"
    return "a session cookie, kept until the browser closes"


def _overrides(canary: Mapping[str, str]) -> str:
    """Who still reaches green at weight 0 whatever the affinity ("" when nobody)."""
    found = []
    header = canary.get(BY_HEADER)
    if header:
        if canary.get(BY_HEADER_VALUE):
            found.append(f"header {header}: {canary[BY_HEADER_VALUE]}")
        elif canary.get(BY_HEADER_PATTERN):
            found.append(f"header {header} matching {canary[BY_HEADER_PATTERN]}")
        else:
            found.append(f"header {header}: always")
    if canary.get(BY_COOKIE):
        found.append(f"cookie {canary[BY_COOKIE]}=always")
    if not found:
        return ""
    return f"; requests sent with {' or '.join(found)} still reach green at weight 0"


def after_weight_zero(main: Mapping[str, Any] | None, canary: Mapping[str, Any]) -> Stickiness:
    """Whether users stay on green when the canary's weight goes to 0."""
    theirs = annotations_of(canary)
    more = _overrides(theirs)
    if main is None:
        return Stickiness(
            None,
            "whether sticky sessions keep users on green is unknown: the layout names no "
            "main_ingress under blue_green (the Ingress the canary shares its host with)" + more,
        )
    ours = annotations_of(main)
    if ours.get(AFFINITY) != "cookie":
        return Stickiness(
            False,
            f"no sticky sessions: the main Ingress {described(main)} sets no cookie affinity, "
            "so at weight 0 every request goes to blue" + more,
        )
    cookie = ours.get(COOKIE_NAME) or DEFAULT_COOKIE
    behavior = theirs.get(CANARY_BEHAVIOR) or ""
    if behavior == "legacy":
        return Stickiness(
            False,
            f"no sticky sessions on green: the main Ingress {described(main)} pins sessions by "
            f"cookie {cookie}, but the canary's affinity-canary-behavior is legacy, so the "
            "canary ignores them and at weight 0 every request goes to blue" + more,
        )
    said = "sticky" if behavior == "sticky" else "sticky (the default)"
    return Stickiness(
        True,
        f"sticky sessions keep users on green: the main Ingress {described(main)} pins "
        f"sessions by cookie {cookie} and the canary's affinity-canary-behavior is {said}, so "
        "a user whose cookie names green stays on green at weight 0 until the cookie expires "
        f"({_cookie_lasts(ours)}); new sessions go to blue" + more,
    )
