"""NGINX canaries as ingress-nginx reads them: its annotation parser's TestAnnotations cases,
and the balancer's weight out of canary-weight-total (rootfs/etc/nginx/lua/test/balancer_test)."""

from __future__ import annotations

import pytest

from warroom.kinds.ingress import canary_for, canary_of

PREFIX = "nginx.ingress.kubernetes.io/"


def ingress(name, service, annotations=None, host="foo.bar.com"):
    return {
        "metadata": {"name": name, "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/foo",
                                "backend": {"service": {"name": service, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }


def annotated(**values):
    return {PREFIX + key.replace("_", "-"): value for key, value in values.items()}


# TestAnnotations: (enabled, weight, header, cookie) -> a canary with that weight, or none.
@pytest.mark.parametrize(
    ("enabled", "weight", "header", "cookie", "expect"),
    [
        ("false", "0", "", "", None),  # canary disabled and no weight
        ("false", "20", "", "", None),  # disabled and weight: an invalid configuration
        ("false", "0", "X-Canary", "", None),  # disabled and header
        ("false", "0", "", "canary_enabled", None),  # disabled and cookie
        ("true", "20", "", "", 20),  # enabled and weight
        ("true", "0", "", "", 0),  # enabled and no weight
        ("true", "20", "X-Canary", "", 20),  # enabled by header
        ("true", "20", "", "canary_enabled", 20),  # enabled by cookie
    ],
)
def test_canary_annotations(enabled, weight, header, cookie, expect):
    notes = annotated(canary=enabled, canary_weight=weight)
    if header:
        notes[PREFIX + "canary-by-header"] = header
    if cookie:
        notes[PREFIX + "canary-by-cookie"] = cookie
    canary = canary_of(ingress("foo", "canary-backend", notes))
    assert (canary.weight if canary is not None else None) == expect
    if canary is not None:
        assert (canary.header, canary.cookie) == (header, cookie)


@pytest.mark.parametrize(
    ("notes", "share"),
    [
        (annotated(canary="true", canary_weight="100"), 1.0),  # weight 100: always
        (annotated(canary="true", canary_weight="0"), 0.0),  # weight 0: never
        (annotated(canary="true", canary_weight="1000", canary_weight_total="1000"), 1.0),
        (annotated(canary="true", canary_weight="2", canary_weight_total="1000"), 0.002),
        (annotated(canary="true", canary_weight="20"), 0.2),  # the total defaults to 100
        # A total below 100 counts as 100 (`weightTotal > 100` or the default).
        (annotated(canary="true", canary_weight="20", canary_weight_total="50"), 0.2),
        # math.random(total) <= weight: a weight above the total is always.
        (annotated(canary="true", canary_weight="150"), 1.0),
        # Invalid numbers default as the parser says: weight 0, total 100 (strconv.Atoi).
        (annotated(canary="true", canary_weight="20.5"), 0.0),
        (annotated(canary="true", canary_weight="20", canary_weight_total="lots"), 0.2),
        # strconv.ParseBool's other spellings of true.
        (annotated(canary="True", canary_weight="30"), 0.3),
        (annotated(canary="1", canary_weight="30"), 0.3),
    ],
)
def test_the_canary_share_is_weight_out_of_the_weight_total(notes, share):
    canary = canary_of(ingress("foo-canary", "canary-backend", notes))
    assert canary is not None
    assert canary.share == pytest.approx(share)


def test_canary_for_a_service_needs_a_main_ingress_on_the_same_host():
    main = ingress("foo", "stable")
    canary = ingress("foo-canary", "green", annotated(canary="true", canary_weight="5"))
    elsewhere = ingress(
        "other-canary", "green", annotated(canary="true", canary_weight="50"), host="other.com"
    )
    found = canary_for([main, elsewhere, canary], "stable")
    assert found is not None and (found.ingress, found.service, found.share) == (
        "foo-canary",
        "green",
        0.05,
    )
    assert canary_for([canary], "stable") is None  # no main Ingress routes to stable
    assert canary_for([main, elsewhere], "stable") is None  # a canary for another host
    # An Ingress whose canary settings are invalid is an ordinary one, not a canary.
    invalid = ingress("foo-canary", "green", annotated(canary="false", canary_weight="5"))
    assert canary_for([main, invalid], "stable") is None


def test_a_canary_in_another_namespace_takes_its_share_of_the_main_ingress_host():
    """Blue and green in namespaces of their own, both Services named alike (seed 002):
    ingress-nginx merges the canary by host and path, whatever its namespace."""
    main = ingress("sap-llm-api", "sap-llm-api", host="api.sap-llm.prod")
    main["metadata"]["namespace"] = "sap-llm-blue"
    green = ingress(
        "sap-llm-api-canary", "sap-llm-api", annotated(canary="true", canary_weight="20"),
        host="api.sap-llm.prod",
    )  # fmt: skip
    green["metadata"]["namespace"] = "sap-llm-green"
    found = canary_for([main, green], "sap-llm-api", "sap-llm-blue")
    assert found is not None
    assert (found.namespace, found.service, found.share) == ("sap-llm-green", "sap-llm-api", 0.2)
    # From green's side there is no main Ingress of its own: nothing in front of it.
    assert canary_for([main, green], "sap-llm-api", "sap-llm-green") is None
    # A canary in the main Ingress's own namespace to the same Service is no split.
    self_canary = ingress(
        "x", "sap-llm-api", annotated(canary="true", canary_weight="20"), host="api.sap-llm.prod"
    )
    self_canary["metadata"]["namespace"] = "sap-llm-blue"
    assert canary_for([main, self_canary], "sap-llm-api", "sap-llm-blue") is None
