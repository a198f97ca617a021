"""Apply kube-apiserver's PATCH bodies to raw JSON objects: RFC 7386 merge patch, RFC 6902 JSON
patch, and strategic merge patch as k8s.io/apimachinery's strategicpatch package applies it."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple


class PatchError(Exception):
    """A PATCH the apiserver would refuse; ``code`` is the HTTP status it answers with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _json_type(value: Any) -> str:
    # Go's encoding/json names, so messages read like the apiserver's.
    names = {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}
    return names.get(type(value), "number")


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _cannot_unmarshal(value: Any, go_type: str) -> PatchError:
    message = f"json: cannot unmarshal {_json_type(value)} into Go value of type {go_type}"
    return PatchError(message, 400)


def _too_deep() -> PatchError:
    return PatchError("the object or patch is nested too deeply", 422)


# --- RFC 7386 JSON merge patch ------------------------------------------------------------


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: null deletes a key, objects merge recursively, any other value replaces."""
    try:
        return _merge_patch(copy.deepcopy(target), patch)
    except RecursionError:
        raise _too_deep() from None


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


# --- RFC 6902 JSON patch ------------------------------------------------------------------

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_MISSING = object()


class _Pointer(NamedTuple):
    op: str
    text: str
    tokens: list[str]


def apply_json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902: apply ``ops`` in order; one failing op rejects the whole patch."""
    if not isinstance(ops, list):
        raise _cannot_unmarshal(ops, "jsonpatch.Patch")
    for op in ops:
        if not isinstance(op, dict):
            raise _cannot_unmarshal(op, "jsonpatch.Operation")
    try:
        doc = copy.deepcopy(target)
        for op in ops:
            doc = _apply_op(doc, op)
        return doc
    except RecursionError:
        raise _too_deep() from None


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    name = op.get("op")
    if name not in ("add", "remove", "replace", "move", "copy", "test"):
        raise PatchError(f"Unexpected kind: {name if isinstance(name, str) else 'unknown'}", 422)
    path = _pointer(op, "path")
    if name in ("move", "copy"):
        source = _pointer(op, "from")
        value = _get(doc, source)
        if name == "copy":
            return _add(doc, path, copy.deepcopy(value))
        if path.tokens == source.tokens:
            return doc
        if path.tokens[: len(source.tokens)] == source.tokens:
            message = f"move operation does not apply: {source.text} is a prefix of {path.text}"
            raise PatchError(message, 422)
        return _add(_remove(doc, source), path, value)
    if name == "remove":
        return _remove(doc, path)
    if "value" not in op:
        raise PatchError(f"{name} operation, missing value field: missing value", 422)
    value = copy.deepcopy(op["value"])
    if name == "add":
        return _add(doc, path, value)
    current = _get(doc, path)
    if name == "test":
        if not _json_equal(current, value):
            raise PatchError(f"testing value {path.text} failed: test failed", 422)
        return doc
    # replace: the target exists (checked above), so remove-then-add keeps a list position.
    return _add(_remove(doc, path), path, value) if path.tokens else value


def _pointer(op: dict[str, Any], field: str) -> _Pointer:
    name, text = op["op"], op.get(field)
    if not isinstance(text, str):
        if text is not None:
            raise PatchError(f"{name} operation failed to decode {field}: {_show(text)}", 422)
        raise PatchError(f"{name} operation failed to decode {field}: missing value", 422)
    if text and not text.startswith("/"):
        raise PatchError(f'{name} operation does not apply: invalid JSON pointer: "{text}"', 422)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in text.split("/")[1:]]
    return _Pointer(name, text, tokens)


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token, _MISSING)
    if isinstance(node, list) and _ARRAY_INDEX.fullmatch(token) and int(token) < len(node):
        return node[int(token)]
    return _MISSING


def _parent(doc: Any, ptr: _Pointer) -> dict | list:
    node = doc
    for token in ptr.tokens[:-1]:
        node = _child(node, token)
    if not isinstance(node, dict | list):
        raise PatchError(f"{ptr.op} operation does not apply: doc is missing path: {ptr.text}", 422)
    return node


def _missing_key(ptr: _Pointer) -> PatchError:
    return PatchError(f"{ptr.op} operation does not apply: doc is missing key: {ptr.text}", 422)


def _index(ptr: _Pointer, size: int) -> int:
    token = ptr.tokens[-1]
    if not _ARRAY_INDEX.fullmatch(token) or int(token) >= size:
        message = f"Unable to access invalid index: {token}"
        raise PatchError(f"error in {ptr.op} for path: '{ptr.text}': {message}", 422)
    return int(token)


def _get(doc: Any, ptr: _Pointer) -> Any:
    if not ptr.tokens:
        return doc
    if (value := _child(_parent(doc, ptr), ptr.tokens[-1])) is _MISSING:
        raise _missing_key(ptr)
    return value


def _add(doc: Any, ptr: _Pointer, value: Any) -> Any:
    if not ptr.tokens:
        return value
    parent, token = _parent(doc, ptr), ptr.tokens[-1]
    if isinstance(parent, dict):
        parent[token] = value
    else:
        parent.insert(len(parent) if token == "-" else _index(ptr, len(parent) + 1), value)
    return doc


def _remove(doc: Any, ptr: _Pointer) -> Any:
    if not ptr.tokens:
        raise PatchError(f"{ptr.op} operation does not apply: cannot remove the document", 422)
    parent, token = _parent(doc, ptr), ptr.tokens[-1]
    if isinstance(parent, list):
        del parent[_index(ptr, len(parent))]
    elif parent.pop(token, _MISSING) is _MISSING:
        raise _missing_key(ptr)
    return doc


def _json_equal(left: Any, right: Any) -> bool:
    # RFC 6902 4.6: numbers compare by value, but Python's True == 1 must not leak in.
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        same_keys = left.keys() == right.keys()
        return same_keys and all(_json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return bool(left == right)


# --- Strategic merge patch: metadata ------------------------------------------------------


class Field(NamedTuple):
    """A field's Go ``patchStrategy``/``patchMergeKey`` tags and the schema of its value (of
    each item, for a list). A field with no entry has no tags: maps merge, lists are atomic."""

    strategy: str = ""
    merge_key: str = ""
    schema: Mapping[str, Field] = MappingProxyType({})


Schema = Mapping[str, Field]
_ATOMIC = Field()


def _merge(key: str = "", schema: Schema = _ATOMIC.schema) -> Field:
    return Field("merge", key, schema)


# Tags from k8s.io/api core/v1, apps/v1, autoscaling/v2, policy/v1 and apimachinery meta/v1.
# Lists such as tolerations, taints, readinessGates and containerStatuses carry none (atomic).
_OBJECT_META = Field(schema={"ownerReferences": _merge("uid"), "finalizers": _merge()})
_CONTAINER = {
    "ports": _merge("containerPort"),
    "env": _merge("name"),
    "volumeMounts": _merge("mountPath"),
    "volumeDevices": _merge("devicePath"),
}
_POD_SPEC = {
    "volumes": Field("merge,retainKeys", "name"),
    "initContainers": _merge("name", _CONTAINER),
    "containers": _merge("name", _CONTAINER),
    "ephemeralContainers": _merge("name", _CONTAINER),
    "imagePullSecrets": _merge("name"),
    "hostAliases": _merge("ip"),
    "topologySpreadConstraints": _merge("topologyKey"),
    "schedulingGates": _merge("name"),
    "resourceClaims": Field("merge,retainKeys", "name"),
    "evictionResponders": _merge("name"),
}
_POD_STATUS = {
    "conditions": _merge("type"),
    "hostIPs": _merge("ip"),
    "podIPs": _merge("ip"),
    "resourceClaimStatuses": Field("merge,retainKeys", "name"),
    "nodeAllocatableResourceClaimStatuses": _merge("resourceClaimName"),
}
_TEMPLATE = Field(schema={"metadata": _OBJECT_META, "spec": Field(schema=_POD_SPEC)})
_CONDITIONS = {"conditions": _merge("type")}


def _kind(spec: Schema | None = None, status: Schema | None = None) -> Schema:
    return {
        "metadata": _OBJECT_META,
        "spec": Field(schema=spec or {}),
        "status": Field(schema=status or {}),
    }


PATCH_METADATA: Mapping[str, Schema] = {
    "Pod": _kind(_POD_SPEC, _POD_STATUS),
    "Node": _kind({"podCIDRs": _merge()}, {**_CONDITIONS, "addresses": _merge("type")}),
    "Service": _kind({"ports": _merge("port")}, _CONDITIONS),
    "ConfigMap": _kind(),
    "Event": _kind(),
    "Namespace": _kind(status=_CONDITIONS),
    "Deployment": _kind({"template": _TEMPLATE, "strategy": Field("retainKeys")}, _CONDITIONS),
    "ReplicaSet": _kind({"template": _TEMPLATE}, _CONDITIONS),
    "DaemonSet": _kind({"template": _TEMPLATE}, _CONDITIONS),
    "HorizontalPodAutoscaler": _kind(status=_CONDITIONS),
    "PodDisruptionBudget": _kind({"selector": Field("replace")}, _CONDITIONS),
}


# --- Strategic merge patch: application ---------------------------------------------------
# Follows mergeMap, mergeSlice and mergePatchIntoOriginal in strategicpatch/patch.go.

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
_DROP = object()


def apply_strategic_merge_patch(target: dict, patch: dict, kind: str) -> dict:
    """Apply ``patch`` with the list strategies of built-in ``kind`` (PATCH_METADATA); for
    any other kind every list is atomic."""
    if not isinstance(patch, dict):
        raise _cannot_unmarshal(patch, "map[string]interface {}")
    if not isinstance(target, dict):
        raise PatchError("invalid JSON document", 400)
    schema = PATCH_METADATA.get(kind, _ATOMIC.schema)
    try:
        return _merge_map(copy.deepcopy(target), copy.deepcopy(patch), schema)
    except RecursionError:
        raise _too_deep() from None


def _same(left: Any, right: Any) -> bool:
    # Go compares interface{} values, where different dynamic types never match (1 != true).
    return type(left) is type(right) and left == right


def _strategy(field: Field) -> str:
    # retainKeys only tells clients to send $retainKeys; the directive alone drives the merge.
    rest = [s for s in field.strategy.split(",") if s and s != "retainKeys"]
    return rest[0] if rest else ""


def _strip(value: Any) -> Any:
    """Patch content used as it stands, without directives and null members (the real server's
    typed round trip drops both); _DROP if the value is itself a ``$patch`` map."""
    if isinstance(value, dict):
        if _DIRECTIVE in value:
            return _DROP
        kept = {}
        for key, item in value.items():
            directive = key == _RETAIN_KEYS or key.startswith((_SET_ORDER, _DELETE_PRIMITIVE))
            if item is not None and not directive and (item := _strip(item)) is not _DROP:
                kept[key] = item
        return kept
    if isinstance(value, list):
        return [item for item in map(_strip, value) if item is not _DROP]
    return value


def _list_key(key: str, prefix: str) -> str:
    head, slash, rest = key.partition("/")
    if not slash or head != prefix:
        kind = "primitive list" if prefix == _DELETE_PRIMITIVE else "setElementOrder list"
        raise PatchError(f"invalid patch format of {kind}", 400)
    return rest


def _merge_map(original: dict, patch: dict, schema: Schema) -> dict:
    if _DIRECTIVE in patch:
        directive = patch.pop(_DIRECTIVE)
        if directive == "replace":
            return _strip(patch)
        if directive == "delete":
            return {}
        raise PatchError(f"unknown patch type: {directive} in map: {_show(patch)}", 400)
    _retain_keys(original, patch)
    _set_element_order(original, patch, schema)
    for key, value in patch.items():
        deleting = key.startswith(_DELETE_PRIMITIVE)
        if deleting:
            key = _list_key(key, _DELETE_PRIMITIVE)
        current = original.get(key, _MISSING)
        if value is None:
            original.pop(key, None)
        elif current is _MISSING or type(current) is not type(value):
            if deleting:
                continue
            if (value := _strip(value)) is _DROP:
                original.pop(key, None)
            else:
                original[key] = value
        elif isinstance(value, dict):
            field = schema.get(key, _ATOMIC)
            if _strategy(field) == "replace":
                # Go keeps the patch map whole; its typed decode then ignores a "$patch" member.
                original[key] = _strip({k: v for k, v in value.items() if k != _DIRECTIVE})
            else:
                original[key] = _merge_map(current, value, field.schema)
        elif isinstance(value, list):
            original[key] = _merge_list(current, value, schema.get(key, _ATOMIC), deleting)
        else:
            original[key] = value
    return original


def _retain_keys(original: dict, patch: dict) -> None:
    if _RETAIN_KEYS not in patch:
        return
    keep = patch.pop(_RETAIN_KEYS)
    if not isinstance(keep, list):
        raise PatchError("invalid patch format of retainKeys", 400)
    for key, value in patch.items():
        directive = key.startswith((_DELETE_PRIMITIVE, _SET_ORDER))
        if value is not None and not directive and key not in keep:
            raise PatchError("invalid patch format of retainKeys", 400)
    for key in [key for key in original if key not in keep]:
        del original[key]


def _set_element_order(original: dict, patch: dict, schema: Schema) -> None:
    for directive in [key for key in patch if key.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise PatchError("invalid patch format of setElementOrder list", 400)
        key = _list_key(directive, _SET_ORDER)
        current, wanted = original.get(key, _MISSING), patch.pop(key, _MISSING)
        for value in (current, wanted):
            if value is not _MISSING and not isinstance(value, list):
                raise PatchError(f"expected a list in {key}, but received {_show(value)}", 422)
        field = schema.get(key, _ATOMIC)
        _check_order(order, [] if wanted is _MISSING else wanted, field.merge_key)
        if wanted is _MISSING:
            if current is _MISSING:
                continue
            merged = current
        else:
            merged = (
                _strip(wanted)
                if current is _MISSING
                else _merge_list(current, wanted, field, False)
            )
        server = [] if current is _MISSING else current
        kind = _element_type(server, [] if wanted is _MISSING else wanted)
        original[key] = _order(merged, order, server, field.merge_key, kind)


def _check_order(order: list, items: list, merge_key: str) -> None:
    # validatePatchWithSetOrderList: the patch list must follow $setElementOrder's order.
    if not order or not items:
        return
    if merge_key:
        items = [item for item in items if _map(item).get(_DIRECTIVE) != "delete"]
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and _DIRECTIVE in items[i]:
            i += 1
            continue
        if merge_key:
            left, right = _key(items[i], merge_key), _key(order[j], merge_key)
        else:
            left, right = items[i], order[j]
        if _same(left, right):
            i += 1
        j += 1
    if i < len(items):
        raise PatchError(
            f"The order in patch list: {_show(items)} doesn't match {_SET_ORDER} list: "
            f"{_show(order)}",
            422,
        )


def _map(item: Any) -> dict:
    if not isinstance(item, dict):
        raise PatchError(f"expected a map in a merging list, but received {_show(item)}", 422)
    return item


def _key(item: Any, merge_key: str) -> Any:
    if merge_key not in _map(item):
        message = f"map: {_show(item)} does not contain declared merge key: {merge_key}"
        raise PatchError(message, 422)
    return item[merge_key]


def _element_type(*lists: list) -> type:
    found: type | None = None
    for item in (item for items in lists for item in items):
        if item is None or (found is not None and type(item) is not found):
            raise PatchError(f"list element types are not identical: {_show(lists)}", 422)
        if isinstance(item, list):
            raise PatchError("lists of lists are not supported", 422)
        found = type(item)
    if found is None:
        raise PatchError("no elements in any of the given slices", 422)
    return found


def _merge_list(original: list, patch: list, field: Field, deleting: bool) -> list:
    if _strategy(field) != "merge" and not deleting:
        return _strip(patch)
    if not original and not patch:
        return original
    kind, merge_key = _element_type(original, patch), field.merge_key
    if kind is not dict:
        if deleting:
            return [item for item in original if not any(_same(item, d) for d in patch)]
        merged: list = []
        for item in original + patch:
            if not any(_same(item, seen) for seen in merged):
                merged.append(item)
        return _order(merged, patch, original, merge_key, kind)
    if not merge_key:
        raise PatchError("cannot merge lists without merge key", 422)
    original, patch = _list_directives(original, patch, merge_key)
    merged = list(original)
    for item in patch:
        value = _key(item, merge_key)
        at = next((i for i, m in enumerate(merged) if _same(m.get(merge_key, _MISSING), value)), -1)
        if at >= 0:
            merged[at] = _merge_map(merged[at], item, field.schema)
        else:
            merged.append(_strip(item))
    return _order(merged, patch, original, merge_key, kind)


def _list_directives(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    """Apply the ``$patch`` items of a list of maps; return the new original and plain items."""
    plain, replace = [], False
    for item in patch:
        directive = item.get(_DIRECTIVE, _MISSING)
        if directive is _MISSING:
            plain.append(item)
        elif directive == "delete":
            value = _key(item, merge_key)
            original = [o for o in original if not _same(o.get(merge_key, _MISSING), value)]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch", 422)
        else:
            raise PatchError(f"unknown patch type: {directive} in map: {_show(item)}", 400)
    return ([_strip(item) for item in plain], []) if replace else (original, plain)


def _order(merged: list, order: list, server: list, merge_key: str, kind: type) -> list:
    """Items named in ``order`` take that order; the rest keep their places among them as on
    the server (partition + normalizeElementOrder + mergeSortedSlice)."""
    if merge_key or kind is dict:
        for item in merged + order + server:
            _key(item, merge_key)

    def ident(item: Any) -> Any:
        return item[merge_key] if kind is dict else item

    def positions(reference: list) -> list[int]:
        idents = [ident(x) for x in reference]
        return [next((i for i, x in enumerate(idents) if _same(x, ident(m))), -1) for m in merged]

    def go_stable_sort(entries: list[tuple[int, int, Any]], at: int) -> list:
        # sort.SliceStable's insertion sort (exact for Go's blocks of up to 20 items) with
        # Go's comparator, which calls an item missing from the reference list smaller.
        out = list(entries)
        for i in range(1, len(out)):
            j = i
            while j > 0 and not 0 <= out[j - 1][at] <= out[j][at]:
                out[j], out[j - 1] = out[j - 1], out[j]
                j -= 1
        return out

    entries = list(zip(positions(order), positions(server), merged, strict=True))
    right = go_stable_sort([e for e in entries if e[0] >= 0], 0)
    left = go_stable_sort([e for e in entries if e[0] < 0], 1)
    result, i, j = [], 0, 0
    while i < len(left) or j < len(right):
        take_left = j >= len(right) or (i < len(left) and 0 <= left[i][1] < right[j][1])
        result.append(left[i][2] if take_left else right[j][2])
        i, j = (i + 1, j) if take_left else (i, j + 1)
    return result
