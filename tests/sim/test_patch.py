"""Patch tests: RFC 7386 and RFC 6902 appendix A, and strategic merge patch cases ported from
apimachinery's strategicpatch/patch_test.go onto real Kubernetes objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.sim.patch.errors import PatchError
from warroom.sim.patch.json_patch import apply_json_patch
from warroom.sim.patch.merge_patch import apply_merge_patch
from warroom.sim.patch.strategic import apply_strategic_merge_patch
from warroom.sim.patch.strategic_schema import PATCH_METADATA

# --- Kubernetes objects -----------------------------------------------------------------------


def container(name: str, image: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"name": name, **({"image": image} if image else {}), **fields}


def deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": list(containers)},
            },
            **spec,
        },
    }


def pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def node(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": spec}


def with_meta(obj: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], **metadata}}


def names(*keys: str) -> list[dict[str, str]]:
    return [{"name": key} for key in keys]


# --- RFC 7386 --------------------------------------------------------------------------------

RFC7386_APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC7386_APPENDIX_A)
def test_merge_patch_rfc7386_appendix_a(target: Any, patch: Any, expected: Any) -> None:
    assert apply_merge_patch(target, patch) == expected


def test_merge_patch_on_deployment_replaces_lists_and_deletes_nulls() -> None:
    target = deployment(container("app", "img:1"), container("sidecar", "side:1"))
    patch = {
        "metadata": {"labels": {"app": None, "tier": "web"}},
        "spec": {"replicas": 5, "template": {"spec": {"containers": [container("app", "img:2")]}}},
    }
    expected = deployment(container("app", "img:2"))
    expected["metadata"]["labels"] = {"tier": "web"}
    expected["spec"]["replicas"] = 5
    assert apply_merge_patch(target, patch) == expected


# --- RFC 6902 --------------------------------------------------------------------------------

RFC6902_APPENDIX_A = [
    ("A.1", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}],
     {"baz": "qux", "foo": "bar"}),
    ("A.2", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A.4", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}],
     {"foo": ["bar", "baz"]}),
    ("A.5", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A.6", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A.7", {"foo": ["all", "grass", "cows", "eat"]},
     [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
     {"foo": ["all", "cows", "eat", "grass"]}),
    ("A.8", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A.10", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A.11", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
     {"foo": "bar", "baz": "qux"}),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}],
     {"/": 9, "~1": 10}),
    ("A.16", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
]  # fmt: skip


# jsonpatch applies these patches; where it alone would answer otherwise than the API server
# (it refuses "~2" and an object's "-" key, indexes into strings, has True == 1, checks only
# objects for a move into a child, or raises TypeError on "" and "-"), the server's answer holds.
JSONPATCH_DIFFERS_OK = [
    ("tilde-not-an-escape", {"a": 1}, [{"op": "add", "path": "/b~2", "value": 2}],
     {"a": 1, "b~2": 2}),
    ("dash-key-of-an-object", {"-": 1}, [{"op": "replace", "path": "/-", "value": 2}], {"-": 2}),
    ("add-root-of-an-array", [1, 2], [{"op": "add", "path": "", "value": {"x": 1}}], {"x": 1}),
    ("move-to-root", {"a": [1]}, [{"op": "move", "from": "/a", "path": ""}], [1]),
    ("copy-from-root", {"a": 1}, [{"op": "copy", "from": "", "path": "/b"}],
     {"a": 1, "b": {"a": 1}}),
    ("move-onto-itself", {"a": [1]}, [{"op": "move", "from": "/a/0", "path": "/a/0"}],
     {"a": [1]}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "ops", "expected"),
    [case[1:] for case in RFC6902_APPENDIX_A + JSONPATCH_DIFFERS_OK],
    ids=[case[0] for case in RFC6902_APPENDIX_A + JSONPATCH_DIFFERS_OK],
)
def test_json_patch_applies(target: Any, ops: list, expected: Any) -> None:
    assert apply_json_patch(target, ops) == expected


JSONPATCH_DIFFERS_ERRORS = [
    ("string-is-no-container", {"s": "abc"}, [{"op": "test", "path": "/s/0", "value": "a"}],
     "test operation does not apply: doc is missing path: /s/0"),
    ("copy-from-inside-a-string", {"s": "abc"}, [{"op": "copy", "from": "/s/0", "path": "/t"}],
     "copy operation does not apply: doc is missing path: /s/0"),
    ("number-is-no-container", {"a": 1}, [{"op": "test", "path": "/a/b", "value": 1}],
     "test operation does not apply: doc is missing path: /a/b"),
    ("remove-dash", {"a": [1]}, [{"op": "remove", "path": "/a/-"}],
     "error in remove for path: '/a/-': Unable to access invalid index: -"),
    ("remove-past-the-end", {"a": [1]}, [{"op": "remove", "path": "/a/5"}],
     "error in remove for path: '/a/5': Unable to access invalid index: 5"),
    ("replace-past-the-end", {"a": [1]}, [{"op": "replace", "path": "/a/1", "value": 0}],
     "replace operation does not apply: doc is missing key: /a/1"),
    ("copy-from-dash", {"a": [1]}, [{"op": "copy", "from": "/a/-", "path": "/b"}],
     "copy operation does not apply: doc is missing key: /a/-"),
    ("copy-past-the-end", {"a": [1]}, [{"op": "copy", "from": "/a/0", "path": "/a/3"}],
     "error in copy for path: '/a/3': Unable to access invalid index: 3"),
    ("move-into-own-child-in-an-array", {"a": [{"b": 1}, {"c": {}}]},
     [{"op": "move", "from": "/a/0", "path": "/a/0/x"}],
     "move operation does not apply: /a/0 is a prefix of /a/0/x"),
    ("move-from-root", {"a": 1}, [{"op": "move", "from": "", "path": "/b"}],
     "move operation does not apply:  is a prefix of /b"),
    ("move-to-a-missing-parent", {"a": [1]}, [{"op": "move", "from": "/a/0", "path": "/b/c"}],
     "move operation does not apply: doc is missing path: /b/c"),
    ("move-from-missing", {"a": 1}, [{"op": "move", "from": "/x/y", "path": "/b"}],
     "move operation does not apply: doc is missing path: /x/y"),
    ("remove-a-scalar-document", 5, [{"op": "remove", "path": ""}],
     "remove operation does not apply: cannot remove the document"),
    ("nested-true-is-not-one", {"a": {"b": True}},
     [{"op": "test", "path": "/a", "value": {"b": 1}}], "testing value /a failed: test failed"),
    ("test-root", True, [{"op": "test", "path": "", "value": 1}],
     "testing value  failed: test failed"),
    # Go decodes and applies one operation at a time, and decodes each before applying it.
    ("first-failure-wins", {"a": 1},
     [{"op": "test", "path": "/a", "value": 2}, {"op": "frobnicate"}],
     "testing value /a failed: test failed"),
    ("decoding-before-applying", {"a": 1}, [{"op": "test", "path": "/x/y"}],
     "test operation, missing value field: missing value"),
    ("from-decoded-before-path-applies", {"a": 1},
     [{"op": "move", "from": 7, "path": "/x/y"}], "move operation failed to decode from: 7"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "ops", "message"),
    [
        # A.9, A.12 and A.15: a failed test, a missing parent, a string that is not a number.
        ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}],
         "testing value /baz failed: test failed"),
        ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}],
         "add operation does not apply: doc is missing path: /baz/bat"),
        ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}],
         "testing value /~01 failed: test failed"),
        ({"spec": {}}, [{"op": "replace", "path": "/spec/foo", "value": 1}],
         "replace operation does not apply: doc is missing key: /spec/foo"),
        ({"a": {}}, [{"op": "remove", "path": "/a/b"}],
         "remove operation does not apply: doc is missing key: /a/b"),
        ({"a": [1]}, [{"op": "add", "path": "/a/2", "value": 0}],
         "error in add for path: '/a/2': Unable to access invalid index: 2"),
        ({"a": [1]}, [{"op": "replace", "path": "/a/-", "value": 0}],
         "replace operation does not apply: doc is missing key: /a/-"),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/01"}],
         "error in remove for path: '/a/01': Unable to access invalid index: 01"),
        ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}],
         "move operation does not apply: /a is a prefix of /a/b/c"),
        ({"a": 1}, [{"op": "copy", "from": "/x", "path": "/y"}],
         "copy operation does not apply: doc is missing key: /x"),
        ({"a": True}, [{"op": "test", "path": "/a", "value": 1}],
         "testing value /a failed: test failed"),
        ({"a": 1}, [{"op": "add", "path": "a", "value": 1}],
         'add operation does not apply: invalid JSON pointer: "a"'),
        ({"a": 1}, [{"op": "add", "value": 1}],
         "add operation failed to decode path: missing value"),
        ({"a": 1}, [{"op": "add", "path": "/b"}],
         "add operation, missing value field: missing value"),
        ({"a": 1}, [{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
        ({"a": 1}, [{"path": "/a"}], "Unexpected kind: unknown"),
        ({"a": 1}, [{"op": "remove", "path": ""}],
         "remove operation does not apply: cannot remove the document"),
        *[pytest.param(*case[1:], id=case[0]) for case in JSONPATCH_DIFFERS_ERRORS],
    ],
)  # fmt: skip
def test_json_patch_rejects_what_cannot_apply_with_422(
    target: Any, ops: list, message: str
) -> None:
    before = copy.deepcopy(target)
    with pytest.raises(PatchError) as caught:
        apply_json_patch(target, ops)
    assert (caught.value.code, caught.value.message) == (422, message)
    assert target == before


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (None, "json: cannot unmarshal null into Go value of type jsonpatch.Patch"),
        (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        ([{"op": "test", "path": "", "value": 1}, 3],
         "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
    ],
)  # fmt: skip
def test_json_patch_that_is_not_a_list_of_objects_is_a_400(ops: Any, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        apply_json_patch({"a": 1}, ops)
    assert (caught.value.code, caught.value.message) == (400, message)


def test_json_patch_kubectl_style_ops_on_a_deployment() -> None:
    target = deployment(container("app", "img:1"))
    containers = "/spec/template/spec/containers"
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 2.0},
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/metadata/labels/team~1owner", "value": "sre"},
        {"op": "add", "path": f"{containers}/-", "value": container("s", "s:1")},
        {"op": "copy", "from": f"{containers}/0", "path": f"{containers}/0"},
        {"op": "remove", "path": f"{containers}/1"},
        {"op": "replace", "path": "", "value": {"kept": ["only", "this"]}},
        {"op": "move", "from": "/kept/0", "path": "/kept/-"},
    ]  # fmt: skip
    assert apply_json_patch(target, ops) == {"kept": ["this", "only"]}
    expected = deployment(container("app", "img:1"), container("s", "s:1"))
    expected["metadata"]["labels"]["team/owner"] = "sre"
    expected["spec"]["replicas"] = 5
    assert apply_json_patch(target, ops[:6]) == expected


# --- Strategic merge patch ------------------------------------------------------------------

SET_IMAGE = {  # exactly what `kubectl set image deployment/web app=img:2` sends
    "spec": {
        "template": {
            "spec": {
                "$setElementOrder/containers": [{"name": "app"}],
                "containers": [{"image": "img:2", "name": "app"}],
            }
        }
    }
}

SMP_CASES: list[tuple[str, str, dict, dict, dict]] = [
    # kubectl's own patches
    ("kubectl set image", "Deployment", deployment(container("app", "img:1")), SET_IMAGE,
     deployment(container("app", "img:2"))),
    ("set image keeps the other container after",
     "Deployment", deployment(container("app", "img:1"), container("side", "s:1")), SET_IMAGE,
     deployment(container("app", "img:2"), container("side", "s:1"))),
    ("set image keeps the other container before",
     "Deployment", deployment(container("side", "s:1"), container("app", "img:1")), SET_IMAGE,
     deployment(container("side", "s:1"), container("app", "img:2"))),
    ("set image on a two-container deployment",
     "Deployment", deployment(container("app", "img:1"), container("side", "s:1")),
     {"spec": {"template": {"spec": {"$setElementOrder/containers": names("app", "side"),
                                     "containers": [{"image": "s:2", "name": "side"}]}}}},
     deployment(container("app", "img:1"), container("side", "s:2"))),
    ("kubectl set env", "Deployment",
     deployment(container("app", "img:1", env=[{"name": "A", "value": "1"}])),
     {"spec": {"template": {"spec": {"$setElementOrder/containers": names("app"), "containers": [
         {"$setElementOrder/env": names("A", "B"), "env": [{"name": "B", "value": "3"}],
          "name": "app"}]}}}},
     deployment(container("app", "img:1", env=[{"name": "A", "value": "1"},
                                               {"name": "B", "value": "3"}]))),
    ("kubectl rollout pause", "Deployment", deployment(container("app")),
     {"spec": {"paused": True}}, deployment(container("app"), paused=True)),
    ("kubectl rollout resume", "Deployment", deployment(container("app"), paused=True),
     {"spec": {"paused": None}}, deployment(container("app"))),
    ("kubectl cordon", "Node", node(podCIDR="10.0.0.0/24"), {"spec": {"unschedulable": True}},
     node(podCIDR="10.0.0.0/24", unschedulable=True)),
    ("kubectl uncordon", "Node", node(unschedulable=True), {"spec": {"unschedulable": None}},
     node()),
    ("kubectl label --overwrite and removal", "Deployment", deployment(),
     {"metadata": {"labels": {"app": None, "tier": "web"}}},
     with_meta(deployment(), labels={"tier": "web"})),
    ("kubectl rollout restart", "Deployment", deployment(container("app")),
     {"spec": {"template": {"metadata": {"annotations": {"restartedAt": "t"}}}}},
     deployment(container("app"), template={"metadata": {"labels": {"app": "web"}, "annotations": {
         "restartedAt": "t"}}, "spec": {"containers": [container("app")]}})),
    ("kubectl apply switches strategy type with $retainKeys", "Deployment",
     deployment(strategy={"type": "RollingUpdate",
                          "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
     {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None}}},
     deployment(strategy={"type": "Recreate"})),
    ("kubectl apply switches a volume source with $retainKeys", "Pod",
     pod(volumes=[{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]),
     {"spec": {"volumes": [{"$retainKeys": ["configMap", "name"], "configMap": {"name": "cfg"},
                            "name": "data"}]}},
     pod(volumes=[{"name": "data", "configMap": {"name": "cfg"}},
                  {"name": "tmp", "emptyDir": {}}])),
    # patch_test.go: merging lists of maps and their order
    ("merge lists of maps", "Pod",
     pod(containers=[container("c1", workingDir="a"), container("c2", "i2", workingDir="b")]),
     {"spec": {"$setElementOrder/containers": names("c4", "c1", "c2", "c3"),
               "containers": [container("c4", "i4"), container("c3", "i3")]}},
     pod(containers=[container("c4", "i4"), container("c1", workingDir="a"),
                     container("c2", "i2", workingDir="b"), container("c3", "i3")])),
    ("set elements order in a list with server-only items 2", "Pod",
     pod(containers=[container("c1", workingDir="a"), container("c2", "i2"), container("c9"),
                     container("c3", "i3"), container("c4", "i4")]),
     {"spec": {"$setElementOrder/containers": names("c2", "c1", "c4", "c3")}},
     pod(containers=[container("c2", "i2"), container("c1", workingDir="a"), container("c9"),
                     container("c4", "i4"), container("c3", "i3")])),
    ("set elements order in a list with server-only items 3", "Pod",
     pod(containers=names("c1", "c2", "c7", "c9", "c8", "c3", "c4")),
     {"spec": {"$setElementOrder/containers": names("c2", "c1", "c4", "c3")}},
     pod(containers=names("c2", "c1", "c7", "c9", "c8", "c4", "c3"))),
    ("behavior of set element order for a merging list with duplicate", "Pod",
     pod(containers=[container("c1"), container("c2", "dup1"), container("c3"),
                     container("c2", "dup2"), container("c4")]),
     {"spec": {"$setElementOrder/containers": names("c2", "c1", "c4", "c3", "c2")}},
     pod(containers=[container("c2", "dup1"), container("c2", "dup2"), container("c1"),
                     container("c4"), container("c3")])),
    ("preserve the order from the patch in a merging list", "Pod",
     pod(containers=[container("c1"), container("c2", "b"), container("c3")]),
     {"spec": {"containers": [container("c3", "c"), container("c1", "a"),
                              container("c2", workingDir="x")]}},
     pod(containers=[container("c3", "c"), container("c1", "a"),
                     container("c2", "b", workingDir="x")])),
    ("preserve the order from the patch in a merging list 2", "Pod",
     pod(containers=[container("c1"), container("c2", "b"), container("c3")]),
     {"spec": {"containers": [container("c3", "c"), container("c1", "a")]}},
     pod(containers=[container("c2", "b"), container("c3", "c"), container("c1", "a")])),
    ("an added item without $setElementOrder goes first", "Pod",
     pod(containers=names("a", "b")), {"spec": {"containers": [container("new", "n:1")]}},
     pod(containers=[container("new", "n:1"), *names("a", "b")])),
    ("delete and reorder in one list, reorder in another", "Pod",
     pod(containers=[container("a", "a"), container("b", "b")],
         initContainers=[container("c", "c"), container("d", "d")]),
     {"spec": {"$setElementOrder/containers": names("b"),
               "$setElementOrder/initContainers": names("d", "c"),
               "containers": [{"$patch": "delete", "name": "a"}]}},
     pod(containers=[container("b", "b")],
         initContainers=[container("d", "d"), container("c", "c")])),
    ("merge nested lists by their own keys", "Pod",
     pod(containers=[container("app", ports=[{"containerPort": 80, "name": "http"}],
                               volumeMounts=[{"mountPath": "/d", "name": "data"}])]),
     {"spec": {"containers": [{"name": "app",
                               "ports": [{"containerPort": 80, "protocol": "TCP"}],
                               "volumeMounts": [{"mountPath": "/c", "name": "cfg"}]}]}},
     pod(containers=[container("app",
                               ports=[{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                               volumeMounts=[{"mountPath": "/c", "name": "cfg"},
                                             {"mountPath": "/d", "name": "data"}])])),
    ("delete field from map in merging list", "Pod",
     pod(containers=[container("app", "i", workingDir="/w"), container("b")]),
     {"spec": {"containers": [{"name": "app", "workingDir": None}]}},
     pod(containers=[container("app", "i"), container("b")])),
    ("replace non merging list nested in merging list", "Pod",
     pod(containers=[container("app", args=["a", "b"], env=[{"name": "X", "value": "1"}])]),
     {"spec": {"containers": [{"name": "app", "args": ["c"]}]}},
     pod(containers=[container("app", args=["c"], env=[{"name": "X", "value": "1"}])])),
    ("a new item loses its null members", "Pod", pod(containers=names("a")),
     {"spec": {"$setElementOrder/containers": names("a", "b"),
               "containers": [{"name": "b", "image": "b:1", "command": None}]}},
     pod(containers=[*names("a"), container("b", "b:1")])),
    # patch_test.go: delete and replace directives
    ("delete all duplicate entries in a merging list", "Pod",
     pod(containers=[container("c1"), container("c1"), container("c2", "a"), container("c3"),
                     container("c3")]),
     {"spec": {"containers": [{"name": "c1", "$patch": "delete"},
                              {"name": "c3", "$patch": "delete"}]}},
     pod(containers=[container("c2", "a")])),
    ("delete missing map from merging list", "Pod", pod(containers=names("a")),
     {"spec": {"containers": [{"name": "zzz", "$patch": "delete"}]}}, pod(containers=names("a"))),
    ("delete all items from merging list", "Pod", pod(containers=names("a", "b")),
     {"spec": {"containers": [{"$patch": "replace"}]}}, pod(containers=[])),
    ("replace a merging list", "Pod", pod(containers=names("a", "b")),
     {"spec": {"containers": [container("c", "c:1"), {"$patch": "replace"}]}},
     pod(containers=[container("c", "c:1")])),
    ("delete map from nested map", "Pod", with_meta(pod(), labels={"a": "1", "b": "2"}),
     {"metadata": {"labels": {"$patch": "delete"}}}, with_meta(pod(), labels={})),
    ("add key and delete all keys from map", "Pod", with_meta(pod(), labels={"a": "1"}),
     {"metadata": {"labels": {"$patch": "replace", "other": "x"}}},
     with_meta(pod(), labels={"other": "x"})),
    ("delete all keys from the whole object", "Pod", pod(containers=names("a")),
     {"$patch": "replace", "kind": "Pod"}, {"kind": "Pod"}),
    # patch_test.go: primitive lists
    ("merge lists of scalars", "Pod", with_meta(pod(), finalizers=["a", "b", "d"]),
     {"metadata": {"$setElementOrder/finalizers": ["a", "b", "c"], "finalizers": ["c"]}},
     with_meta(pod(), finalizers=["a", "b", "c", "d"])),
    ("unique scalars when merging lists", "Pod", with_meta(pod(), finalizers=["a", "b"]),
     {"metadata": {"finalizers": ["b", "c"]}}, with_meta(pod(), finalizers=["a", "b", "c"])),
    ("preserve the order from the patch in a merging int list", "Pod",
     with_meta(pod(), finalizers=["a", "b", "c"]), {"metadata": {"finalizers": ["c", "a"]}},
     with_meta(pod(), finalizers=["b", "c", "a"])),
    ("behavior of set element order for a merging int list with duplicate", "Pod",
     with_meta(pod(), finalizers=["a", "b", "c", "b", "d"]),
     {"metadata": {"$setElementOrder/finalizers": ["b", "a", "d", "c", "b"]}},
     with_meta(pod(), finalizers=["b", "b", "a", "d", "c"])),
    ("$deleteFromPrimitiveList deletes from a merging list", "Pod",
     with_meta(pod(), finalizers=["a", "b", "c"]),
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zzz"]}},
     with_meta(pod(), finalizers=["a", "c"])),
    ("$deleteFromPrimitiveList does not add a missing list", "Pod", pod(),
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}, pod()),
    ("$deleteFromPrimitiveList on a list without merge strategy", "Namespace",
     {"kind": "Namespace", "spec": {"finalizers": ["kubernetes", "x"]}},
     {"spec": {"$deleteFromPrimitiveList/finalizers": ["x"]}},
     {"kind": "Namespace", "spec": {"finalizers": ["kubernetes"]}}),
    # patch_test.go: retainKeys on a list of maps
    ("retainKeys list of maps clears a field", "Pod",
     pod(volumes=[{"name": "bar"}, {"name": "foo", "emptyDir": {}, "hostPath": {"path": "/x"}}]),
     {"spec": {"$setElementOrder/volumes": names("bar", "foo"),
               "volumes": [{"$retainKeys": ["name", "emptyDir"], "name": "foo"}]}},
     pod(volumes=[{"name": "bar"}, {"name": "foo", "emptyDir": {}}])),
    # the metadata table: merge keys, atomic lists, replace strategy, unknown kinds
    ("service ports merge by port", "Service",
     {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}),
    ("node status merges conditions and addresses by type", "Node",
     {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "DiskPressure"}],
                 "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "False"}],
                 "addresses": [{"type": "Hostname", "address": "n1"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "DiskPressure"}],
                 "addresses": [{"type": "Hostname", "address": "n1"},
                               {"type": "InternalIP", "address": "10.0.0.1"}]}}),
    ("owner references merge by uid", "ReplicaSet",
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "a"}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "a", "controller": True}]}}),
    ("node taints are atomic", "Node",
     node(taints=[{"key": "a", "effect": "NoSchedule"}]),
     {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}},
     node(taints=[{"key": "b", "effect": "NoExecute"}])),
    ("pod tolerations are atomic", "DaemonSet",
     {"spec": {"template": {"spec": {"tolerations": [{"key": "a"}], "hostAliases": [
         {"ip": "1.1.1.1", "hostnames": ["a"]}]}}}},
     {"spec": {"template": {"spec": {"tolerations": [{"key": "b"}], "hostAliases": [
         {"ip": "2.2.2.2", "hostnames": ["b"]}]}}}},
     {"spec": {"template": {"spec": {"tolerations": [{"key": "b"}], "hostAliases": [
         {"ip": "2.2.2.2", "hostnames": ["b"]}, {"ip": "1.1.1.1", "hostnames": ["a"]}]}}}}),
    ("PDB selector has patchStrategy replace", "PodDisruptionBudget",
     {"spec": {"selector": {"matchLabels": {"app": "a"}}, "minAvailable": 1}},
     {"spec": {"selector": {"matchExpressions": [{"key": "k", "operator": "Exists"}]}}},
     {"spec": {"selector": {"matchExpressions": [{"key": "k", "operator": "Exists"}]},
               "minAvailable": 1}}),
    ("HPA status conditions merge by type", "HorizontalPodAutoscaler",
     {"status": {"conditions": [{"type": "AbleToScale"}, {"type": "ScalingActive"}]}},
     {"status": {"conditions": [{"type": "ScalingActive", "status": "False"}]}},
     {"status": {"conditions": [{"type": "AbleToScale"},
                                {"type": "ScalingActive", "status": "False"}]}}),
    ("unknown kinds have only atomic lists", "Widget",
     {"metadata": {"finalizers": ["a"]}, "spec": {"containers": names("a", "b")}},
     {"metadata": {"finalizers": ["b"]}, "spec": {"containers": [container("a", "x")]}},
     {"metadata": {"finalizers": ["b"]}, "spec": {"containers": [container("a", "x")]}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "target", "patch", "expected"),
    [case[1:] for case in SMP_CASES],
    ids=[case[0] for case in SMP_CASES],
)
def test_strategic_merge_patch(kind: str, target: dict, patch: dict, expected: dict) -> None:
    before = copy.deepcopy((target, patch))
    assert apply_strategic_merge_patch(target, patch, kind) == expected
    assert (target, patch) == before


@pytest.mark.parametrize(
    ("patch", "code", "message"),
    [
        ({"spec": {"$setElementOrder/containers": names("b", "a"),
                   "containers": [container("a", "1"), container("b", "1")]}},
         422, "doesn't match $setElementOrder list"),
        ({"spec": {"containers": [{"image": "x"}]}}, 422,
         "does not contain declared merge key: name"),
        ({"spec": {"containers": [{"name": "a", "$patch": "merge"}]}}, 422,
         "merging lists cannot yet be specified in the patch"),
        ({"spec": {"containers": [{"name": "a", "$patch": "frob"}]}}, 400,
         "unknown patch type: frob in map: "),
        ({"metadata": {"labels": {"$patch": "merge"}}}, 400,
         "unknown patch type: merge in map: {}"),
        ({"spec": {"containers": [["a"]]}}, 422, "list element types are not identical"),
        ({"spec": {"volumes": [["a"]]}}, 422, "lists of lists are not supported"),
        ({"metadata": {"finalizers": [{"a": 1}]}}, 422, "list element types are not identical"),
        ({"spec": {"$retainKeys": "containers"}}, 400, "invalid patch format of retainKeys"),
        ({"spec": {"$retainKeys": ["volumes"], "containers": []}}, 400,
         "invalid patch format of retainKeys"),
        ({"spec": {"$setElementOrder/containers": "a"}}, 400,
         "invalid patch format of setElementOrder list"),
        ({"spec": {"$setElementOrdercontainers": []}}, 400,
         "invalid patch format of setElementOrder list"),
        ({"metadata": {"$deleteFromPrimitiveList": ["a"]}}, 400,
         "invalid patch format of primitive list"),
        ({"metadata": {"$setElementOrder/finalizers": ["a"], "finalizers": None}}, 422,
         "expected a list in finalizers"),
    ],
)  # fmt: skip
def test_strategic_merge_patch_errors(patch: dict, code: int, message: str) -> None:
    target = pod(containers=names("a", "b"), volumes=[])
    target = with_meta(target, finalizers=["a"], labels={"app": "a"})
    with pytest.raises(PatchError) as caught:
        apply_strategic_merge_patch(target, patch, "Pod")
    assert caught.value.code == code
    assert message in caught.value.message


@pytest.mark.parametrize("patch", [[], "x", None, 1, [{"spec": {}}]])
def test_strategic_merge_patch_body_must_be_an_object(patch: Any) -> None:
    with pytest.raises(PatchError) as caught:
        apply_strategic_merge_patch(pod(), patch, "Pod")  # type: ignore[arg-type]
    assert caught.value.code == 400
    assert caught.value.message.startswith("json: cannot unmarshal ")


def test_strategic_merge_patch_needs_an_object_to_patch() -> None:
    with pytest.raises(PatchError) as caught:
        apply_strategic_merge_patch(["not", "an", "object"], {}, "Pod")  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.message) == (400, "invalid JSON document")


def test_metadata_table_covers_the_served_kinds() -> None:
    assert set(PATCH_METADATA) == {
        "Pod", "Node", "Service", "ConfigMap", "Event", "Namespace", "Deployment", "ReplicaSet",
        "DaemonSet", "HorizontalPodAutoscaler", "PodDisruptionBudget",
    }  # fmt: skip
    for kind in ("Deployment", "ReplicaSet", "DaemonSet"):
        template = PATCH_METADATA[kind]["spec"].schema["template"].schema
        assert template["spec"].schema["containers"].schema["env"].merge_key == "name"
        assert template["metadata"].schema["finalizers"].strategy == "merge"


def test_results_share_nothing_with_the_inputs() -> None:
    target = deployment(container("app", "img:1", env=[{"name": "A", "value": "1"}]))
    patch = {"spec": {"template": {"spec": {"containers": [container("new", "n", args=["x"])]}}}}
    results = [
        apply_strategic_merge_patch(target, patch, "Deployment"),
        apply_merge_patch(target, patch),
        apply_json_patch(target, [{"op": "add", "path": "/spec/new", "value": patch}]),
    ]
    for result in results:
        for item in result["spec"]["template"]["spec"]["containers"]:
            item["name"] = "changed"
            item.setdefault("args", []).append("changed")
            item.setdefault("env", []).clear()
        result["spec"].get("new", {"spec": {}})["spec"]["changed"] = True
    assert target == deployment(container("app", "img:1", env=[{"name": "A", "value": "1"}]))
    assert patch == {
        "spec": {"template": {"spec": {"containers": [container("new", "n", args=["x"])]}}}
    }


def test_too_deeply_nested_documents_are_a_patch_error() -> None:
    deep: Any = {}
    for _ in range(5000):
        deep = {"spec": deep}
    for apply in (
        lambda: apply_merge_patch(deep, deep),
        lambda: apply_json_patch(deep, [{"op": "test", "path": "", "value": deep}]),
        lambda: apply_strategic_merge_patch(deep, deep, "Pod"),
    ):
        with pytest.raises(PatchError) as caught:
            apply()
        assert caught.value.code == 422


# --- Properties --------------------------------------------------------------------------------

KEYS = st.sampled_from([
    "metadata", "spec", "status", "template", "containers", "initContainers", "env", "ports",
    "volumes", "name", "image", "value", "containerPort", "finalizers", "labels", "conditions",
    "type", "strategy", "selector", "tolerations", "$patch", "$retainKeys",
    "$setElementOrder/containers", "$setElementOrder/env", "$setElementOrder/finalizers",
    "$deleteFromPrimitiveList/finalizers", "$setElementOrder", "$deleteFromPrimitiveList", "",
])  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-2, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["delete", "replace", "merge", "a", "b", "app", "-", "0", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=40,
)
OBJECTS = st.dictionaries(KEYS, JSON, max_size=5)
POINTERS = st.lists(st.sampled_from(["spec", "name", "0", "1", "-", "~0", "~1", "01", ""])).map(
    lambda tokens: "".join("/" + token for token in tokens)
)
OPS = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "x"])},
        optional={"path": POINTERS | JSON, "from": POINTERS, "value": JSON},
    ),
    max_size=5,
)


def raises_only_patch_errors(apply: Any, *inputs: Any) -> Any:
    before = copy.deepcopy(inputs)
    try:
        result = apply(*inputs)
    except PatchError as error:
        assert error.code in (400, 422)
        assert error.message
        result = None
    assert inputs == before
    return result


@settings(max_examples=400, deadline=None)
@given(target=JSON, patch=JSON)
def test_merge_patch_applies_any_json_and_is_idempotent(target: Any, patch: Any) -> None:
    once = raises_only_patch_errors(apply_merge_patch, target, patch)
    assert apply_merge_patch(once, patch) == once


@settings(max_examples=400, deadline=None)
@given(target=JSON, ops=OPS | JSON)
def test_json_patch_raises_nothing_but_patch_error(target: Any, ops: Any) -> None:
    raises_only_patch_errors(apply_json_patch, target, ops)


@settings(max_examples=600, deadline=None)
@given(target=OBJECTS | JSON, patch=OBJECTS | JSON, kind=st.sampled_from([*PATCH_METADATA, "X"]))
def test_strategic_merge_patch_raises_nothing_but_patch_error(
    target: Any, patch: Any, kind: str
) -> None:
    raises_only_patch_errors(apply_strategic_merge_patch, target, patch, kind)


@settings(max_examples=300, deadline=None)
@given(
    target=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=5),
    patch=st.lists(st.sampled_from(["a", "b", "c", "e"]), max_size=4),
)
def test_merging_finalizers_keeps_every_name_once(target: list, patch: list) -> None:
    result = apply_strategic_merge_patch(
        {"metadata": {"finalizers": target}}, {"metadata": {"finalizers": patch}}, "Pod"
    )["metadata"]["finalizers"]
    assert sorted(result) == sorted(set(target) | set(patch))
    assert [f for f in result if f in patch] == list(dict.fromkeys(patch))
