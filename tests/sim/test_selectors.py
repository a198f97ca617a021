"""Selector tests, ported from apimachinery labels/selector_test.go and fields/selector_test.go."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.sim.field_selectors import FieldSelector, field_value, parse_field_selector
from warroom.sim.label_parser import _EOS, _ID, _lex, parse_label_selector
from warroom.sim.selector_errors import SelectorError
from warroom.sim.selectors import LabelSelector, Requirement, label_selector_from_spec

NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
    " alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
    " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or"
    " '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or"
    " 'my_value',  or '12345', regex used for validation is"
    " '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
DNS_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
    " '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used"
    r" for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
BINARY_OPS = "in, notin, =, ==, !=, gt, lt"
LONG_VALUE = "axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui"  # 64 bytes
FIELDS = {"x", "y", "z", "foo", "baz", "complex", "notin", "metadata.name", "metadata.namespace"}


def req(key: str, op: str, *values: str) -> Requirement:
    return Requirement(key, op, values)


# --- labels: TestSelectorParse, TestDeterministicParse, TestToString ---------------------------


@pytest.mark.parametrize("text", [
    "x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5",
])
def test_label_parse_restrings_without_spaces(text: str) -> None:
    assert str(parse_label_selector(text)) == text.replace(" ", "")


def test_label_parse_is_deterministic() -> None:
    assert str(parse_label_selector("x=a,a=x")) == str(parse_label_selector("a=x,x=a")) == "a=x,x=a"


@pytest.mark.parametrize(("text", "canonical"), [
    ("x in (abc,def),y notin (jkl),z", "x in (abc,def),y notin (jkl),z"),
    ("z,!y,x  notin (def,abc)", "x notin (abc,def),!y,z"),
    ("x notin (abc),y in (mno,jkl),z notin ()", "x notin (abc),y in (jkl,mno),z notin ()"),
    ("x=abc,y==jkl,z!=a,z", "x=abc,y==jkl,z!=a,z"),
    ("x>2,y<8,z", "x>2,y<8,z"),
    ("x in (a,,a,,a,,a,,)", "x in (,a)"),
])
def test_label_to_string(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


# --- labels: TestSetSelectorParser ------------------------------------------------------------


@pytest.mark.parametrize(("text", "requirements"), [
    ("", []),
    ("\rx", [req("x", "exists")]),
    ("this-is-a-dns.domain.com/key-with-dash",
     [req("this-is-a-dns.domain.com/key-with-dash", "exists")]),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     [req("this-is-another-dns.domain.com/key-with-dash", "in", "so", "what")]),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     [req("0.1.2.domain/99", "notin", "10.10.100.1", "tick.tack.clock")]),
    ("foo  in\t (abc)", [req("foo", "in", "abc")]),
    ("x notin\n (abc)", [req("x", "notin", "abc")]),
    ("x  notin\t\t\t(abc,def)", [req("x", "notin", "abc", "def")]),
    ("x in (abc,def)", [req("x", "in", "abc", "def")]),
    ("x in (abc,)", [req("x", "in", "", "abc")]),
    ("x in (abc,abc)", [req("x", "in", "abc")]),
    ("x in ()", [req("x", "in", "")]),
    ("x in (a,,)", [req("x", "in", "", "a")]),
    ("x in (a,,,)", [req("x", "in", "", "a")]),
    ("x in (a,,,,,,)", [req("x", "in", "", "a")]),
    ("x in (a,,a,,a,,a,,)", [req("x", "in", "", "a")]),
    ("x notin (abc,,def),bar,z in (),w",
     [req("bar", "exists"), req("w", "exists"), req("x", "notin", "", "abc", "def"),
      req("z", "in", "")]),
    ("x,y in (a)", [req("x", "exists"), req("y", "in", "a")]),
    ("x=a", [req("x", "=", "a")]),
    ("x==a", [req("x", "==", "a")]),
    ("x>1", [req("x", "gt", "1")]),
    ("x<7", [req("x", "lt", "7")]),
    ("x=a,y!=b", [req("x", "=", "a"), req("y", "!=", "b")]),
    ("x=a,y!=b,z in (h,i,j)",
     [req("x", "=", "a"), req("y", "!=", "b"), req("z", "in", "h", "i", "j")]),
    ("x notin ( )", [req("x", "notin", "")]),
    ("x notin (, a)", [req("x", "notin", "", "a")]),
    ("a ", [req("a", "exists")]),
    ("a in (x,y,notin, z,in)", [req("a", "in", "in", "notin", "x", "y", "z")]),
    ("in in (in),notin=notin", [req("in", "in", "in"), req("notin", "=", "notin")]),
    ("x=in", [req("x", "=", "in")]),
    ("x>01", [req("x", "gt", "01")]),
])
def test_label_parse_requirements(text: str, requirements: list[Requirement]) -> None:
    assert parse_label_selector(text).requirements == tuple(requirements)


# --- labels: bad strings and parser errors (TestSelectorParse, TestSetSelectorParser,
#     TestParseOperator, TestRequirementConstructor) ----------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("x=a||y=b", f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {VALUE_RULE}'),
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt'"
            " operators, the value must be an integer"),
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", f"unable to parse requirement: found 'nott', expected: {BINARY_OPS}"),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a (", f"unable to parse requirement: found '(', expected: {BINARY_OPS}"),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("x !", f"unable to parse requirement: found '!', expected: {BINARY_OPS}"),
    ("x exists", f"unable to parse requirement: found 'exists', expected: {BINARY_OPS}"),
    ("x=a b", "found 'b', expected: ',' or 'end of string'"),
    ("!!x", "unable to parse requirement: found '!', expected: identifier"),
    ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("x in (a,", "unable to parse requirement: found '', expected: ',', or identifier"),
    ("x in a", "unable to parse requirement: found 'a' expected: '('"),
    ("x notin", "unable to parse requirement: found '' expected: '('"),
    ("x=(", "unable to parse requirement: found '(', expected: identifier"),
    ("x=a,", "found '', expected: identifier after ','"),
    ("x in (a))", "found ')', expected: ',' or 'end of string'"),
])
def test_label_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(("text", "message"), [
    ("a" * 64, f'<nil>: Invalid value: "{"a" * 64}": name part must be no more than 63 bytes'),
    ("é", f'<nil>: Invalid value: "é": name part {NAME_RULE}'),
    ("-a", f'<nil>: Invalid value: "-a": name part {NAME_RULE}'),
    ("a/", f'<nil>: Invalid value: "a/": name part must be non-empty; name part {NAME_RULE}'),
    ("/a", '<nil>: Invalid value: "/a": prefix part must be non-empty'),
    ("A.com/b", f'<nil>: Invalid value: "A.com/b": prefix part {DNS_RULE}'),
    (f"{'a' * 254}/b",
     f'<nil>: Invalid value: "{"a" * 254}/b": prefix part must be no more than 253 bytes'),
    ("a/b/c", f'<nil>: Invalid value: "a/b/c": a valid label key {NAME_RULE} with an optional'
              " DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
    ("x=" + "a" * 64, f'values[0][x]: Invalid value: "{"a" * 64}": must be no more than 63 bytes'),
    ("x=é", f'values[0][x]: Invalid value: "é": {VALUE_RULE}'),
    ('x="q"', f'values[0][x]: Invalid value: "\\"q\\"": {VALUE_RULE}'),
    ("x>-1", f'values[0][x]: Invalid value: "-1": {VALUE_RULE}'),
    ("x<+1", f'values[0][x]: Invalid value: "+1": {VALUE_RULE}'),
    ("x>99999999999999999999", 'values[0]: Invalid value: "99999999999999999999": for'
                               " 'Gt', 'Lt' operators, the value must be an integer"),
    ("x>-a", "[values[0]: Invalid value: \"-a\": for 'Gt', 'Lt' operators, the value must be an"
             f' integer, values[0][x]: Invalid value: "-a": {VALUE_RULE}]'),
])
def test_label_key_and_value_validation(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == "unable to parse requirement: " + message


# --- labels: TestLexer, TestLexerSequence, and the NUL quirks of Go's lexer ------------------


@pytest.mark.parametrize(("text", "kind"), [
    ("", _EOS), (",", ","), ("notin", "notin"), ("in", "in"), ("=", "="), ("==", "=="),
    (">", ">"), ("<", "<"), ("!", "!"), ("!=", "!="), ("(", "("), (")", ")"),
    ("~", _ID), ("||", _ID),
])
def test_lexer_first_token(text: str, kind: str) -> None:
    assert _lex(text)[0] == (kind, text)


@pytest.mark.parametrize(("text", "kinds"), [
    ("key in ( value )", [_ID, "in", "(", _ID, ")"]),
    ("key notin ( value )", [_ID, "notin", "(", _ID, ")"]),
    ("key in ( value1, value2 )", [_ID, "in", "(", _ID, ",", _ID, ")"]),
    ("key", [_ID]),
    ("!key", ["!", _ID]),
    ("()", ["(", ")"]),
    ("x in (),y", [_ID, "in", "(", ")", ",", _ID]),
    ("== != (), = notin", ["==", "!=", "(", ")", ",", "=", "notin"]),
    ("key>2", [_ID, ">", _ID]),
    ("key<1", [_ID, "<", _ID]),
    ("!==", ["!=", "="]),
    ("x\x00y", [_ID, _ID]),
    ("x, \x00y", [_ID, ","]),
])
def test_lexer_sequence(text: str, kinds: list[str]) -> None:
    assert [kind for kind, _ in _lex(text)] == [*kinds, _EOS]


@pytest.mark.parametrize(("text", "canonical"), [
    ("x=1\x00,y", "x=1,y"),
    ("x in (a,\x00b)", "x in (a,b)"),
    ("x,\x00y", "x,y"),
])
def test_nul_ends_a_token_like_go(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


def test_nul_where_a_token_starts_ends_the_input() -> None:
    with pytest.raises(SelectorError, match=r"^found '', expected: identifier after ','$"):
        parse_label_selector("x, \x00y")


# --- labels: TestSelectorMatches, TestRequirementSelectorMatching, TestEverything -------------


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
    ("x notin (),y", {"y": ""}, True),
    ("!x,y", {"y": ""}, True),
    ("x notin (),!y", {"y": ""}, False),
    ("x in ()", {"y": "baz"}, False),
    ("x in ()", {"x": ""}, True),
    ("x=", {"x": ""}, True),
    ("x!=", {}, True),
    ("z>1", {"z": "2"}, True),
    ("z>1", {"z": "v2"}, False),
    ("z>1", {}, False),
    ("z>1", {"z": "1"}, False),
    ("z<1", {"z": "1"}, False),
    ("z<1", {"z": "-5"}, True),
    ("z>1", {"z": "+5"}, True),
    ("z>1", {"z": "9223372036854775808"}, False),
    ("z<9223372036854775807", {"z": "-9223372036854775808"}, True),
    ("z>1", {"z": "٣"}, False),
    ("z>1", {"z": "1_0"}, False),
    ("z>1", {"z": " 5"}, False),
])
def test_label_selector_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_everything_is_empty_and_matches_missing_labels() -> None:
    sel = parse_label_selector("")
    assert sel.empty is True
    assert sel.matches({"x": "y"}) is True
    assert sel.matches(None) is True
    assert parse_label_selector("x").empty is False


def test_missing_labels_are_an_empty_set() -> None:
    assert parse_label_selector("!x,y notin (a)").matches(None) is True
    assert parse_label_selector("x").matches(None) is False


# --- labels: LabelSelectorAsSelector ---------------------------------------------------------


def test_nil_spec_matches_nothing() -> None:
    sel = label_selector_from_spec(None)
    assert (sel.matches({}), sel.matches({"a": "b"})) == (False, False)
    assert (sel.empty, str(sel)) == (False, "")


@pytest.mark.parametrize("spec", [{}, {"matchLabels": {}}, {"matchExpressions": []},
                                  {"matchLabels": None, "matchExpressions": None}])
def test_spec_without_terms_matches_everything(spec: dict[str, Any]) -> None:
    sel = label_selector_from_spec(spec)
    assert (sel.matches({}), sel.matches({"a": "b"})) == (True, True)
    assert (sel.empty, str(sel)) == (True, "")


def test_spec_converts_and_sorts_by_key() -> None:
    sel = label_selector_from_spec({
        "matchLabels": {"z": "1", "m": ""},
        "matchExpressions": [{"key": "x", "operator": "In", "values": ["b", "a", "b"]},
                             {"key": "a", "operator": "DoesNotExist"},
                             {"key": "e", "operator": "Exists", "values": None},
                             {"key": "n", "operator": "NotIn", "values": ["q"]}],
    })
    assert str(sel) == "!a,e,m=,n notin (q),x in (a,b,b),z=1"
    assert sel.requirements[-2] == req("x", "in", "b", "a", "b")
    assert sel.matches({"e": "", "m": "", "x": "a", "z": "1"}) is True
    assert sel.matches({"e": "", "m": "", "x": "a", "z": "1", "n": "q"}) is False
    assert sel.matches({"e": "", "m": "", "x": "c", "z": "1"}) is False
    assert sel.matches({"a": "", "e": "", "m": "", "x": "a", "z": "1"}) is False


@pytest.mark.parametrize(("spec", "message"), [
    ({"matchExpressions": [{"key": "x1", "operator": "In"}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "x2", "operator": "NotIn", "values": []}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "x8", "operator": "Exists", "values": ["foo"]}]},
     'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist'),
    ({"matchExpressions": [{"key": "x8", "operator": "DoesNotExist", "values": ["<b>", "a&"]}]},
     '[values: Invalid value: ["\\u003cb\\u003e","a\\u0026"]: values set must be empty for exists'
     f' and does not exist, values[0][x8]: Invalid value: "<b>": {VALUE_RULE}, values[1][x8]:'
     f' Invalid value: "a&": {VALUE_RULE}]'),
    ({"matchExpressions": [{"key": "x18", "operator": "unsupportedOp"}]},
     '"unsupportedOp" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "x", "operator": "in", "values": ["a"]}]},
     '"in" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "x"}]}, '"" is not a valid label selector operator'),
    ({"matchLabels": {"Key": LONG_VALUE}},
     f'values[0][Key]: Invalid value: "{LONG_VALUE}": must be no more than 63 bytes'),
    ({"matchLabels": {"x17": "a b"}}, f'values[0][x17]: Invalid value: "a b": {VALUE_RULE}'),
    ({"matchLabels": {"a" * 254: "v"}},
     f'key: Invalid value: "{"a" * 254}": name part must be no more than 63 bytes'),
    ({"matchExpressions": [{"key": "", "operator": "Exists"}]},
     f'key: Invalid value: "": name part must be non-empty; name part {NAME_RULE}'),
    ({"matchExpressions": [{"key": "x", "operator": "In", "values": ["a b", "c d"]}]},
     f'[values[0][x]: Invalid value: "a b": {VALUE_RULE}, values[1][x]: Invalid value: "c d":'
     f" {VALUE_RULE}]"),
])
def test_spec_errors(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        label_selector_from_spec(spec)
    assert str(caught.value) == message


@pytest.mark.parametrize("spec", [
    {"matchLabels": ["a"]},
    {"matchLabels": {"a": 1}},
    {"matchExpressions": {"key": "a"}},
    {"matchExpressions": ["a"]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": "a"}]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]},
    {"matchExpressions": [{"key": 5, "operator": "Exists"}]},
    {"matchExpressions": [{"key": "a", "operator": ["In"]}]},
])
def test_spec_with_wrong_json_types_is_a_selector_error(spec: dict[str, Any]) -> None:
    with pytest.raises(SelectorError, match=r"^invalid label selector: "):
        label_selector_from_spec(spec)


# --- fields: TestSelectorParse, TestSplitTerms, TestEscapeValue, TestDeterministicParse ------


@pytest.mark.parametrize("text", ["x=a,y=b,z=c", "", "x!=a,y=b", r"x=a||y\=b", r"x=a\=\=b"])
def test_field_parse_restrings(text: str) -> None:
    assert str(parse_field_selector(text, FIELDS)) == text


@pytest.mark.parametrize(("text", "terms"), [
    ("x=a,y==b,z!=c", [("x", "=", "a"), ("y", "=", "b"), ("z", "!=", "c")]),
    ("x=a,", [("x", "=", "a")]),
    (",x=a", [("x", "=", "a")]),
    (r"x=\,,y=v2", [("x", "=", ","), ("y", "=", "v2")]),
    (r"x=\\,y=v2", [("x", "=", "\\"), ("y", "=", "v2")]),
    (r"x=\\\,,y=v2", [("x", "=", "\\,"), ("y", "=", "v2")]),
    ("y=목,x=함", [("x", "=", "함"), ("y", "=", "목")]),
    ("z=1,x=2", [("x", "=", "2"), ("z", "=", "1")]),
    ("x=", [("x", "=", "")]),
    ("=,!=,==", []),
])
def test_field_parse_terms(text: str, terms: list[tuple[str, str, str]]) -> None:
    assert parse_field_selector(text, FIELDS).terms == tuple(terms)


def test_field_parse_is_deterministic() -> None:
    assert str(parse_field_selector("x=a,y=x", FIELDS)) == "x=a,y=x"
    assert str(parse_field_selector("y=x,x=a", FIELDS)) == "x=a,y=x"


@pytest.mark.parametrize(("raw", "escaped"), [
    ("", ""), ("a", "a"), ("=", r"\="), (",", r"\,"), ("\\", r"\\"), ("\\=\\,\\", r"\\\=\\\,\\"),
])
def test_field_value_escaping_round_trips(raw: str, escaped: str) -> None:
    sel = parse_field_selector(f"x={escaped}", FIELDS)
    assert sel.terms == (("x", "=", raw),)
    assert str(sel) == f"x={escaped}"


@pytest.mark.parametrize(("text", "message"), [
    ("x=a||y=b", "invalid field selector: unescaped character in value: 61"),
    ("x==a==b", "invalid field selector: unescaped character in value: 61"),
    ("x=a==", "invalid field selector: unescaped character in value: 61"),
    ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
    ("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"),
    ("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"),
    ("x", "invalid selector: 'x'; can't understand 'x'"),
    (r"x=\a", r"invalid field selector: invalid escape sequence: \a"),
    ("x=\\", "invalid field selector: invalid escape sequence: \\"),
    ("x=\\\\\\", "invalid field selector: invalid escape sequence: \\"),
    ("q=1", "field label not supported: q"),
    ("=x", "field label not supported: "),
    ("x =a", "field label not supported: x "),
    ("zz=a,b", "invalid selector: 'zz=a,b'; can't understand 'b'"),
    ("q=1,y=\\", "invalid field selector: invalid escape sequence: \\"),
    ("x=1,r=2,q=3", "field label not supported: q"),
])
def test_field_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_field_selector(text, FIELDS)
    assert str(caught.value) == message


def test_field_selector_reports_fields_and_emptiness() -> None:
    sel = parse_field_selector("metadata.name=a,x!=b,x=c", FIELDS)
    assert sel.fields == frozenset({"metadata.name", "x"})
    assert (sel.empty, parse_field_selector("", FIELDS).empty) == (False, True)
    assert isinstance(sel, FieldSelector)


def test_field_selector_converts_the_old_pod_host_field() -> None:
    sel = parse_field_selector("spec.host=n1", {"spec.host", "spec.nodeName"})
    assert (str(sel), sel.fields) == ("spec.nodeName=n1", frozenset({"spec.nodeName"}))
    assert sel.matches({"spec": {"nodeName": "n1"}}) is True


# --- fields: TestSelectorMatches, TestEverything ----------------------------------------------


@pytest.mark.parametrize(("text", "obj", "expected"), [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\",
     {"foo": "bar", "baz": "blah", "complex": "=value\\,\\"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, None),
    ("x=", {}, True),
    ("x!=", {}, False),
    ("metadata.name=a,metadata.namespace=", {"metadata": {"name": "a"}}, True),
    ("metadata.name=a", {"metadata": None}, False),
    ("metadata.name=", {"metadata": "a"}, True),
])
def test_field_selector_matches(text: str, obj: dict[str, Any], expected: bool | None) -> None:
    if expected is None:  # upstream matches a plain Set; here the kind refuses the label
        with pytest.raises(SelectorError, match=r"^field label not supported: foobar$"):
            parse_field_selector(text, FIELDS)
    else:
        assert parse_field_selector(text, FIELDS).matches(obj) is expected


# --- fields: the values the built-in kinds expose (ToSelectableFields) ------------------------

POD = {
    "metadata": {"name": "web-1", "namespace": "shop"},
    "spec": {"nodeName": "node-a", "restartPolicy": "Always", "schedulerName": "default-scheduler",
             "serviceAccountName": "web", "hostNetwork": True},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
               "nominatedNodeName": "node-b"},
}


@pytest.mark.parametrize(("obj", "path", "value"), [
    (POD, "metadata.name", "web-1"),
    (POD, "metadata.namespace", "shop"),
    (POD, "spec.nodeName", "node-a"),
    (POD, "spec.restartPolicy", "Always"),
    (POD, "spec.schedulerName", "default-scheduler"),
    (POD, "spec.serviceAccountName", "web"),
    (POD, "spec.hostNetwork", "true"),
    (POD, "status.phase", "Running"),
    (POD, "status.podIP", "10.0.0.7"),
    (POD, "status.podIPs", ""),
    (POD, "status.nominatedNodeName", "node-b"),
    ({"status": {"podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.7"}]}}, "status.podIP", "10.0.0.9"),
    ({"status": {"podIPs": []}}, "status.podIP", ""),
    ({"spec": {}}, "spec.hostNetwork", "false"),
    ({"spec": {"hostNetwork": False}}, "spec.hostNetwork", "false"),
    ({"spec": {}}, "spec.nodeName", ""),
    ({"metadata": {"name": "n1"}}, "metadata.namespace", ""),
    ({"spec": {"unschedulable": True}}, "spec.unschedulable", "true"),
    ({"spec": {}}, "spec.unschedulable", "false"),
    ({}, "spec.unschedulable", "false"),
    ({"source": {"component": "kubelet", "host": "n1"}, "reportingComponent": "rc"}, "source",
     "kubelet"),
    ({"source": {}, "reportingComponent": "deploy-ctrl"}, "source", "deploy-ctrl"),
    ({"reportingComponent": "deploy-ctrl"}, "reportingComponent", "deploy-ctrl"),
    ({}, "source", ""),
    ({"involvedObject": {"kind": "Pod", "uid": "u-1"}}, "involvedObject.kind", "Pod"),
    ({"involvedObject": {"kind": "Pod", "uid": "u-1"}}, "involvedObject.uid", "u-1"),
    ({"involvedObject": {"kind": "Pod"}}, "involvedObject.fieldPath", ""),
    ({"status": {"replicas": 3}}, "status.replicas", "3"),
    ({"status": {}}, "status.replicas", "0"),
    ({"status": {"succeeded": 2}}, "status.successful", "2"),
    ({}, "status.successful", "0"),
    ({"type": "kubernetes.io/tls"}, "type", "kubernetes.io/tls"),
    ({"spec": {"signerName": "example.com/x"}}, "spec.signerName", "example.com/x"),
    ({"spec": {"nodeName": ["a"]}}, "spec.nodeName", ""),
    ({"spec": ["a"]}, "spec.nodeName", ""),
])
def test_field_value(obj: dict[str, Any], path: str, value: str) -> None:
    assert field_value(obj, path) == value


def test_field_selector_on_pods_and_nodes() -> None:
    pods = parse_field_selector("spec.hostNetwork=true,status.podIP=10.0.0.7",
                                {"spec.hostNetwork", "status.podIP"})
    assert (pods.matches(POD), pods.matches({"status": {"podIP": "10.0.0.7"}})) == (True, False)
    nodes = parse_field_selector("spec.unschedulable!=true", {"metadata.name",
                                                              "spec.unschedulable"})
    assert nodes.matches({"spec": {}}) is True
    assert nodes.matches({"spec": {"unschedulable": True}}) is False


# --- properties -------------------------------------------------------------------------------

def _word(ends: str, middle: str) -> st.SearchStrategy[str]:
    """Strings of `middle` characters that start and end with one of `ends`."""
    edge = st.sampled_from(ends)
    return edge | st.builds(lambda a, m, z: a + m + z, edge, st.text(middle, max_size=8), edge)


_name = _word("aZ09x", "a-_.Z9")
_prefix = st.lists(_word("a0z", "a-9"), min_size=1, max_size=3).map(".".join)
_key = st.one_of(_name, st.builds(lambda p, n: f"{p}/{n}", _prefix, _name),
                 st.sampled_from(["in", "notin", "a", "b"]))
_value = st.one_of(st.just(""), _name, st.sampled_from(["in", "notin", "a", "b"]))
_space = st.sampled_from(["", " ", "  ", "\t", "\n"])
_number = st.integers(0, 2**63 - 1).map(str)


@st.composite
def _requirement_text(draw: st.DrawFn) -> str:
    key, ws = draw(_key), draw(_space)
    op = draw(st.sampled_from(["", "!", "=", "==", "!=", "in", "notin", ">", "<"]))
    if op == "":
        return key + ws
    if op == "!":
        return f"!{ws}{key}"
    if op in ("in", "notin"):
        values = draw(st.lists(_value, max_size=4))
        return f"{key} {op}{ws}({','.join(values)}{ws})"
    value = draw(_number) if op in "<>" else draw(_value)
    return f"{key}{ws}{op}{ws}{value}"


_labels = st.dictionaries(st.sampled_from(["in", "notin", "a", "b", "x"]),
                          st.one_of(_value, _number), max_size=4)


@given(st.lists(_requirement_text(), max_size=6).map(",".join), _labels)
def test_label_selector_round_trips_through_its_string(text: str, labels: dict[str, str]) -> None:
    sel = parse_label_selector(text)
    again = parse_label_selector(str(sel))
    assert again.requirements == sel.requirements
    assert str(again) == str(sel)
    assert again.matches(labels) is sel.matches(labels)


@given(st.dictionaries(_key, _value, max_size=3),
       st.lists(st.tuples(_key, st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
                          st.sets(_value, min_size=1, max_size=3)), max_size=3), _labels)
def test_spec_selector_round_trips_through_its_string(
    match_labels: dict[str, str], exprs: list[tuple[str, str, set[str]]], labels: dict[str, str]
) -> None:
    spec = {"matchLabels": match_labels, "matchExpressions": [
        {"key": k, "operator": op, "values": sorted(vs) if op in ("In", "NotIn") else []}
        for k, op, vs in exprs]}
    sel = label_selector_from_spec(spec)
    again = parse_label_selector(str(sel))
    assert str(again) == str(sel)
    assert again.matches(labels) is sel.matches(labels)


_selector_chars = st.sampled_from([*"ab=!(),<> \t\n\x00/.-_\\é", "in", "notin", "a" * 64])


@given(st.one_of(st.text(), st.lists(_selector_chars, max_size=20).map("".join)))
def test_any_text_is_a_selector_or_a_selector_error(text: str) -> None:
    for parse in (parse_label_selector, lambda t: parse_field_selector(t, {"a", "b", ""})):
        try:
            sel = parse(text)
        except SelectorError:
            continue
        assert isinstance(sel, LabelSelector | FieldSelector)
        assert isinstance(str(sel), str)


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@given(st.lists(st.tuples(st.sampled_from(["a", "b.c", "metadata.name"]),
                          st.sampled_from(["=", "!="]), st.text()), max_size=4))
def test_field_selector_round_trips_through_its_string(terms: list[tuple[str, str, str]]) -> None:
    fields = {"a", "b.c", "metadata.name"}
    sel = parse_field_selector(",".join(f"{f}{op}{_escape_field_value(v)}" for f, op, v in terms),
                               fields)
    assert parse_field_selector(str(sel), fields).terms == sel.terms
    assert sorted(sel.terms) == sorted(terms)
