"""kubectl's JSONPath, held to client-go's own cases.

The tables below are ported from k8s.io/client-go/util/jsonpath/jsonpath_test.go and
parser_test.go (kubernetes/client-go, commit 32ce75a7d): the same templates, inputs and
printed outputs. `printed` joins the matches as JSONPath.PrintResults does (maps and lists as
JSON, the rest with %v, a space between). Cases that need `{range}` or text around an action
are templates, which a check refuses; where client-go's Execute fails on data (an index out of
range), kubectl's check reads "not set", so those cases expect no match.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from warroom.kinds.jsonpath import TEMPLATES, JsonPathError, compare, compile_jsonpath

# fmt: off


def _go(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _go(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go(v) for v in value]
    return value


def _text(value: Any) -> str:
    value = _go(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def printed(template: str, data: Any) -> str:
    return " ".join(_text(v) for v in compile_jsonpath(template).find(data))


# TestTypesInput (structs written as dicts in field order)
TYPES = {
    "bools": [True, False, True, False],
    "integers": [1, 2, 3, 4],
    "floats": [1.0, 2.2, 3.3, 4.0],
    "strings": ["one", "two", "three", "four"],
    "interfaces": [True, "one", 1, 1.1],
    "maps": [
        {"name": "one", "value": 1}, {"name": "two", "value": 2.02},
        {"name": "three", "value": 3.03}, {"name": "four", "value": 4.04},
    ],
    "structs": [
        {"name": "one", "value": 1, "type": "integer"},
        {"name": "two", "value": 2.002, "type": "float"},
        {"name": "three", "value": 3, "type": "integer"},
        {"name": "four", "value": 4.004, "type": "float"},
    ],
}

# TestStructInput
STORE = {
    "Book": [
        {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey",
         "Price": 8.95},
        {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour",
         "Price": 12.99},
        {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99},
    ],
    "Bicycle": [
        {"Color": "red", "Price": 19.95, "IsNew": True},
        {"Color": "green", "Price": 20.01, "IsNew": False},
    ],
    "Name": "jsonpath",
    "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
    "Employees": {"jason": "manager", "dan": "clerk"},
}

# TestJSONInput
POINTS = json.loads("""[
    {"id": "i1", "x":4, "y":-5},
    {"id": "i2", "x":-2, "y":-5, "z":1},
    {"id": "i3", "x":  8, "y":  3 },
    {"id": "i4", "x": -6, "y": -1 },
    {"id": "i5", "x":  0, "y":  2, "z": 1 },
    {"id": "i6", "x":  1, "y":  4 },
    {"id": "i7", "x":  null, "y":  4 }
]""")

# TestKubernetes
NODES = json.loads("""{
  "kind": "List",
  "items":[
    {"kind":"None",
     "metadata":{"name":"127.0.0.1", "labels":{"kubernetes.io/hostname":"127.0.0.1"}},
     "status":{"capacity":{"cpu":"4"}, "ready": true,
               "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.1"}]}},
    {"kind":"None",
     "metadata":{"name":"127.0.0.2", "labels":{"kubernetes.io/hostname":"127.0.0.2"}},
     "status":{"capacity":{"cpu":"8"}, "ready": false,
               "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.2"},
                            {"type": "another", "address":"127.0.0.3"}]}}
  ],
  "users":[
    {"name": "myself", "user": {}},
    {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
  ]
}""")

# TestNegativeIndex, TestStep
POD = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
    {"image": "radial/busyboxplus:curl", "name": f"fake{i}"} for i in range(4)]}}
POD6 = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
    {"image": "radial/busyboxplus:curl", "name": f"fake{i}"} for i in range(6)]}}

# TestFilterPartialMatchesSometimesMissingAnnotations, TestRunningPodsJSONPathOutput
ANNOTATED = {"kind": "List", "items": [
    {"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
    {"kind": "Pod", "metadata": {"name": "pod2"}},
    {"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}},
    {"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}},
]}
RUNNING = {"kind": "List", "items": [
    {"kind": "Pod", "metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
    {"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
    {"kind": "Pod", "metadata": {"name": "pod3"}, "status": {"phase": "Running"}},
    {"resourceVersion": ""},
]}

CASES = [
    # TestTypesInput
    ("{ .bools }", TYPES, "[true,false,true,false]"),
    ("{ .bools[0] }", TYPES, "true"),
    ("{ .bools[-1] }", TYPES, "false"),
    ("{ .bools[0:2] }", TYPES, "true false"),
    ("{ .bools[:2] }", TYPES, "true false"),
    ("{ .bools[:4:2] }", TYPES, "true true"),
    ("{ .integers }", TYPES, "[1,2,3,4]"),
    ("{ .integers[0] }", TYPES, "1"),
    ("{ .integers[-2] }", TYPES, "3"),
    ("{ .integers[0:2] }", TYPES, "1 2"),
    ("{ .integers[:2] }", TYPES, "1 2"),
    ("{ .integers[:4:2] }", TYPES, "1 3"),
    ("{ .floats }", TYPES, "[1,2.2,3.3,4]"),
    ("{ .floats[0] }", TYPES, "1"),
    ("{ .floats[-2] }", TYPES, "3.3"),
    ("{ .floats[0:2] }", TYPES, "1 2.2"),
    ("{ .floats[:2] }", TYPES, "1 2.2"),
    ("{ .floats[:4:2] }", TYPES, "1 3.3"),
    ("{ .strings }", TYPES, '["one","two","three","four"]'),
    ("{ .strings[0] }", TYPES, "one"),
    ("{ .strings[-2] }", TYPES, "three"),
    ("{ .strings[0:2] }", TYPES, "one two"),
    ("{ .strings[:2] }", TYPES, "one two"),
    ("{ .strings[:4:2] }", TYPES, "one three"),
    ("{ .interfaces }", TYPES, '[true,"one",1,1.1]'),
    ("{ .interfaces[0] }", TYPES, "true"),
    ("{ .interfaces[-2] }", TYPES, "1"),
    ("{ .interfaces[0:2] }", TYPES, "true one"),
    ("{ .interfaces[:2] }", TYPES, "true one"),
    ("{ .interfaces[:4:2] }", TYPES, "true 1"),
    ("{ .maps }", TYPES,
     '[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},'
     '{"name":"four","value":4.04}]'),
    ("{ .maps[0] }", TYPES, '{"name":"one","value":1}'),
    ("{ .maps[-2] }", TYPES, '{"name":"three","value":3.03}'),
    ("{ .maps[0:2] }", TYPES, '{"name":"one","value":1} {"name":"two","value":2.02}'),
    ("{ .maps[:2] }", TYPES, '{"name":"one","value":1} {"name":"two","value":2.02}'),
    ("{ .maps[::2] }", TYPES, '{"name":"one","value":1} {"name":"three","value":3.03}'),
    ("{ .maps[1::2] }", TYPES, '{"name":"two","value":2.02} {"name":"four","value":4.04}'),
    ("{ .structs[0] }", TYPES, '{"name":"one","value":1,"type":"integer"}'),
    ("{ .structs[-2] }", TYPES, '{"name":"three","value":3,"type":"integer"}'),
    ("{ .structs[1::2] }", TYPES,
     '{"name":"two","value":2.002,"type":"float"} {"name":"four","value":4.004,"type":"float"}'),
    # TestStructInput
    ("{..}", [1, 2, 3], "[1,2,3]"),
    ("{[?(@<5)]}", [2, 6, 3, 7], "2 3"),
    ('{"{"}', None, "{"),
    ("{[1,3,4]}", [0, 1, 2, 3, 4], "1 3 4"),
    ("{[0:2]}", ["Monday", "Tudesday"], "Monday Tudesday"),
    ("{.Name}", STORE, "jsonpath"),
    ("{$.Labels.web/html}", STORE, "15"),
    ("{$.Employees.jason}", STORE, "manager"),
    ("{$.Employees.dan}", STORE, "clerk"),
    ("{.Labels.k8s-app}", STORE, "20"),
    ("{.Bicycle[*].Color}", STORE, "red green"),
    ("{.Book[*].Author}", STORE, "Nigel Rees Evelyn Waugh Herman Melville"),
    ("{..Price}", STORE, "8.95 12.99 8.99 19.95 20.01"),
    ("{...Price}", STORE, "8.95 12.99 8.99 19.95 20.01"),
    ("{.Bicycle}", STORE,
     '[{"Color":"red","Price":19.95,"IsNew":true},{"Color":"green","Price":20.01,"IsNew":false}]'),
    ("{.Book[-1:]}", STORE,
     '{"Category":"fiction","Author":"Herman Melville","Title":"Moby Dick","Price":8.99}'),
    ("{..Book[2]}", STORE,
     '{"Category":"fiction","Author":"Herman Melville","Title":"Moby Dick","Price":8.99}'),
    ("{.Bicycle[?(@.IsNew==true)]}", STORE, '{"Color":"red","Price":19.95,"IsNew":true}'),
    ("{.hello}", STORE, ""),  # missing key, --allow-missing-template-keys
    # TestJSONInput
    ("{[?(@.z)].id}", POINTS, "i2 i5"),
    ("{[0]['id']}", POINTS, "i1"),
    ("{[-1]['x']}", POINTS, "null"),
    # TestKubernetes
    ("{.items[*].status.addresses[*].address}", NODES, "127.0.0.1 127.0.0.2 127.0.0.3"),
    ("{.items[*].metadata.name}", NODES, "127.0.0.1 127.0.0.2"),
    ("{.items[*]['metadata.name', 'status.capacity']}", NODES,
     '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'),
    ('{.users[?(@.name=="e2e")].user.password}', NODES, "secret"),
    (r"{.items[0].metadata.labels.kubernetes\.io/hostname}", NODES, "127.0.0.1"),
    (r'{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}', NODES, "None"),
    ("{.items[?(@..ready==true)].metadata.name}", NODES, "127.0.0.1"),
    # TestFilterPartialMatchesSometimesMissingAnnotations (allow missing keys)
    ('{.items[?(@.metadata.annotations.color=="blue")].metadata.name}', ANNOTATED, "pod1 pod4"),
    # TestRunningPodsJSONPathOutput: a filter's left side need not start with @
    ('{.items[?(.status.phase=="Running")].metadata.name}', RUNNING, "pod1 pod2 pod3"),
    # TestNegativeIndex (kubectl's errors read as no match)
    ("{.spec.containers[0].name}", POD, "fake0"),
    ("{.spec.containers[0:0].name}", POD, ""),
    ("{.spec.containers[0:-1].name}", POD, "fake0 fake1 fake2"),
    ("{.spec.containers[-1:0].name}", POD, ""),
    ("{.spec.containers[-1].name}", POD, "fake3"),
    ("{.spec.containers[-1:].name}", POD, "fake3"),
    ("{.spec.containers[-2].name}", POD, "fake2"),
    ("{.spec.containers[-2:].name}", POD, "fake2 fake3"),
    ("{.spec.containers[-3].name}", POD, "fake1"),
    ("{.spec.containers[-4].name}", POD, "fake0"),
    ("{.spec.containers[-4:].name}", POD, "fake0 fake1 fake2 fake3"),
    ("{.spec.containers[-5].name}", POD, ""),
    ("{.spec.containers[5:5].name}", POD, ""),
    ("{.spec.containers[-5:-5].name}", POD, ""),
    ("{.spec.containers[3:1].name}", POD, ""),
    ("{.spec.containers[-1:-2].name}", POD, ""),
    # TestStep
    ("{.spec.containers[0:].name}", POD6, "fake0 fake1 fake2 fake3 fake4 fake5"),
    ("{.spec.containers[0:6:].name}", POD6, "fake0 fake1 fake2 fake3 fake4 fake5"),
    ("{.spec.containers[0:6:1].name}", POD6, "fake0 fake1 fake2 fake3 fake4 fake5"),
    ("{.spec.containers[1:4:2].name}", POD6, "fake1 fake3"),
    ("{.spec.containers[1:4:3].name}", POD6, "fake1"),
    ("{.spec.containers[1:4:4].name}", POD6, "fake1"),
    ("{.spec.containers[0:6:2].name}", POD6, "fake0 fake2 fake4"),
    ("{.spec.containers[0:6:3].name}", POD6, "fake0 fake3"),
    ("{.spec.containers[0:6:5].name}", POD6, "fake0 fake5"),
    ("{.spec.containers[0:6:6].name}", POD6, "fake0"),
    # TestStructInput's failures on data: kubectl errors, a check reads no match
    ("{.Labels[0]}", STORE, ""),
]


@pytest.mark.parametrize(("template", "data", "want"), CASES)
def test_client_go_cases(template, data, want):
    assert printed(template, data) == want


def test_recursive_names_in_any_order():
    # TestKubernetes' randomPrintOrderTests: Go's maps print in random order
    assert sorted(printed("{..name}", NODES).split()) == sorted(
        ["127.0.0.1", "127.0.0.2", "myself", "e2e"])


# parser_test.go: paths that parse, told by what they find
@pytest.mark.parametrize(("template", "data", "want"), [
    ("{['jsonpath']}", {"jsonpath": 1}, [1]),
    ("{[1:3]}", [0, 1, 2, 3], [1, 2]),
    ("{.bicycle.*}", {"bicycle": {"color": "red", "price": 19.95}}, ["red", 19.95]),
    ("{[?(@.price<3)]}", [{"price": 2}, {"price": 3}], [{"price": 2}]),
    ("{['book.price']}", {"book": {"price": 8}}, [8]),
    ("{['bicycle.price', 3, 'book.price']}", {"bicycle": {"price": 1}, "book": {"price": 2}},
     [1, 2]),
    ('{[?(@.status.nodeInfo.osImage == "()")]}', [{"status": {"nodeInfo": {"osImage": "()"}}}],
     [{"status": {"nodeInfo": {"osImage": "()"}}}]),
    (r'{[?(@.s == "(\"\")")]}', [{"s": '("")'}, {"s": "()"}], [{"s": '("")'}]),
    ('{[?(@.test == "())(")]}', [{"test": "())("}], [{"test": "())("}]),
    ("{[?(@.s == 'Linux')]}", [{"s": "Linux"}, {"s": "Windows"}], [{"s": "Linux"}]),
    ('{[?(@.s == "{[()]}")]}', [{"s": "{[()]}"}], [{"s": "{[()]}"}]),
    ("""{[?(@.s == "''")]}""", [{"s": "''"}], [{"s": "''"}]),
    ("""{[?(@.s == '""')]}""", [{"s": '""'}], [{"s": '""'}]),
    (r"{[?(@.s == '\\\'')]}", [{"s": "\\'"}], [{"s": "\\'"}]),
    ("{[-5:]}", [0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
    ("{[-1]}", [0, 1, 2], [2]),
    ("{[1:-1]}", [0, 1, 2, 3], [1, 2]),
])
def test_client_go_parser_cases(template, data, want):
    assert compile_jsonpath(template).find(data) == want


# parser_test.go TestFailParser and TestStructInput's failStoreTests, with our sentences
@pytest.mark.parametrize(("template", "error"), [
    ("{.hello", "unclosed { at column 1"),
    ("{*}", "unexpected '*' at column 2"),
    ("{+12.3.0}", "cannot read the number '+12.3.0' at column 2"),
    ("{[1}", "unclosed [ at column 2"),
    ("{[?(.price]}", "unclosed filter [?( at column 2"),
    ("{........}", "two recursive descents (..) in a row at column 4"),
    ("{............................................................Price}",
     "two recursive descents (..) in a row at column 4"),
    (r"{\\\}", "unexpected '\\\\' at column 2"),
    ("{.Book[?(@.Price<>10)]}", "unknown filter operator '<>'; use == != < <= > >= at column 17"),
    ("{.spec.containers[0:6:0].name}", "a slice step must be above 0 at column 18"),
    ("{.spec.containers[0:6:-1].name}", "a slice step must be above 0 at column 18"),
    ('.items[?(@.a=="x" && @.b=="y")]',
     "&& is not supported (kubectl's filters compare one thing) at column 19"),
    (".spec.x[0", "unclosed [ at column 8"),
    (".spec[abc]", "cannot read [abc]: give an index, a slice, *, a quoted key or a filter "
                   "at column 6"),
    ('.a[?(@.b="x")]', "unknown filter operator '='; use == != < <= > >= at column 9"),
    ('.a[?(=="x")]', "a filter needs something on each side of == at column 6"),
    (".a b", "unexpected name 'b' (a field starts with a dot) at column 4"),
    ("", "the path is empty; give one such as .spec.replicas"),
    ("{ }", "the path is empty; give one such as .spec.replicas"),
    ("  .a['x]", "unclosed [ at column 5"),
])
def test_invalid_paths_say_what_and_where(template, error):
    with pytest.raises(JsonPathError) as caught:
        compile_jsonpath(template)
    assert str(caught.value) == error


@pytest.mark.parametrize("template", [
    "hello {.Name}",
    "{.a}{.b}",
    "{range .items[*]}{.metadata.name}{end}",
    "{range .Labels.*}{@}{end}{end}",
    "before-{.hello}after",
    "{end}",
])
def test_templates_are_refused(template):
    with pytest.raises(JsonPathError) as caught:
        compile_jsonpath(template)
    assert str(caught.value) == TEMPLATES


DEPLOYMENT = {
    "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "tier": "api"}},
    "spec": {"replicas": 3, "template": {"spec": {
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "app", "image": "web:1.2"}, {"name": "proxy", "image": "envoy"}],
    }}},
    "status": {"conditions": [
        {"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"},
    ]},
}


@pytest.mark.parametrize(("path", "want"), [
    (".spec.replicas", [3]),
    ("{.spec.replicas}", [3]),
    ("$.spec.replicas", [3]),
    ("spec.replicas", [3]),  # kubectl's custom-columns form
    ("{hello}", []),
    (".metadata.labels['app.kubernetes.io/name']", ["web"]),
    (r".metadata.labels.app\.kubernetes\.io/name", ["web"]),
    (".metadata.labels['tier','app.kubernetes.io/name']", ["api", "web"]),
    ('.status.conditions[?(@.type=="Available")].status', ["True"]),
    (".spec.template.spec.containers[*].image", ["web:1.2", "envoy"]),
    (".spec.template.spec.containers[-1].name", ["proxy"]),
    ("..runAsNonRoot", [True]),
    (".spec.replicas.x", []),
    (".spec.template.spec.containers.name", []),
    (".status.conditions[7]", []),
    ('.status.conditions[?(@.type=="Gone")].status', []),
    (".spec[?(@.x)]", []),  # a filter over a map: kubectl errors
    ("{@}", [DEPLOYMENT]),
])
def test_forms_kubectl_users_write(path, want):
    assert compile_jsonpath(path).find(DEPLOYMENT) == want


@pytest.mark.parametrize(("path", "want"), [
    ("[?(@.n>3)].n", [4, 5.5]),  # int literal against JSON numbers: compared as numbers
    ("[?(@.n>=4.0)].n", [4, 5.5]),
    ("[?(@.n==4)].n", [4]),
    ("[?(@.n!=4)].n", [1, 5.5]),  # "4" vs 4: kubectl's "incompatible types", not kept
    ("[?(@.n<'5')].n", ["4"]),
    ("[?(@.n<-1)].n", []),
    ("[?(@.b==false)].b", [False]),
    ("[?(@.b<true)].b", []),  # kubectl: bools do not order
    ("[?(@.n)].n", [1, 4, 5.5, "4"]),
    ("[?(@.n==@.m)].n", [1]),
])
def test_filters_compare_like_kinds(path, want):
    data = [{"n": 1, "m": 1}, {"n": 4}, {"n": 5.5}, {"n": "4"}, {"b": False}, {"b": True}]
    assert compile_jsonpath(path).find(data) == want


@pytest.mark.parametrize(("found", "op", "expected", "ok", "reason"), [
    ([True], "==", True, True, "runAsNonRoot is true"),
    ([False], "==", True, False, "runAsNonRoot is false, wants true"),
    (["true"], "==", True, True, "runAsNonRoot is 'true'"),  # prints as true
    (["3"], "==", 3, True, "runAsNonRoot is '3'"),
    ([3.0], "==", 3, True, "runAsNonRoot is 3"),
    (["3.0"], "==", 3, True, "runAsNonRoot is '3.0'"),  # both numbers: compared as numbers
    ([3], "!=", 3, False, "runAsNonRoot is 3, wants anything but 3"),
    ([2], "<", 3, True, "runAsNonRoot is 2"),
    ([10], "<", "9", False, "runAsNonRoot is 10, wants < '9'"),  # numeric, not text order
    (["abc"], ">=", 1, False, "runAsNonRoot is 'abc', cannot compare with >= 1"),
    (["b"], ">", "a", True, "runAsNonRoot is 'b'"),
    (["Running"], "in", ["Running", "Succeeded"], True, "runAsNonRoot is 'Running'"),
    (["Pending"], "in", ["Running", "Succeeded"], False,
     "runAsNonRoot is 'Pending', wants one of 'Running', 'Succeeded'"),
    ([], "==", True, False, "runAsNonRoot is not set"),
    ([False], "exists", True, True, "runAsNonRoot is set"),
    ([None], "exists", True, False, "runAsNonRoot is not set"),
    ([], "exists", False, True, "runAsNonRoot is not set"),
    (["x"], "exists", False, False, "runAsNonRoot is set, wants it unset"),
    (["True", "True"], "==", "True", True, "all 2 runAsNonRoot values are 'True'"),
    (["True", "False", "True"], "==", "True", False,
     "runAsNonRoot 2 of 3 is 'False', wants 'True' (all 3 must)"),
    ([{"a": 1}], "==", {"a": 1}, True, "runAsNonRoot is {\"a\":1}"),
    ([None], "==", None, True, "runAsNonRoot is null"),
])
def test_compare_judges_the_found_values(found, op, expected, ok, reason):
    assert compare(found, op, expected, name="runAsNonRoot") == (ok, reason)


def test_compare_without_a_name_and_bad_ops():
    assert compare([], "==", 1) == (False, "not set")
    assert compare([2], "==", 1) == (False, "value is 2, wants 1")
    with pytest.raises(ValueError, match="unknown comparison '=~'"):
        compare([1], "=~", 1)
    with pytest.raises(ValueError, match="`in` wants a list"):
        compare([1], "in", 1)
