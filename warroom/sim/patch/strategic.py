"""Strategic merge patch (``application/strategic-merge-patch+json``) as k8s.io/apimachinery's
strategicpatch package applies it: lists merge by the key strategic_schema names, and the
``$patch``, ``$retainKeys``, ``$setElementOrder`` and ``$deleteFromPrimitiveList`` directives.

No library implements it outside Go, so this follows mergeMap, mergeSlice and
mergePatchIntoOriginal in strategicpatch/patch.go.
"""

from __future__ import annotations

import copy
from typing import Any

from warroom.sim.patch.errors import PatchError, cannot_unmarshal, excerpt, too_deep
from warroom.sim.patch.strategic_schema import ATOMIC, PATCH_METADATA, Field, Schema

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
_DROP = object()
_MISSING = object()


def apply_strategic_merge_patch(target: dict, patch: dict, kind: str) -> dict:
    """Apply ``patch`` with the list strategies of built-in ``kind`` (PATCH_METADATA); for
    any other kind every list is atomic."""
    if not isinstance(patch, dict):
        raise cannot_unmarshal(patch, "map[string]interface {}")
    if not isinstance(target, dict):
        raise PatchError("invalid JSON document", 400)
    schema = PATCH_METADATA.get(kind, ATOMIC.schema)
    try:
        return _merge_map(copy.deepcopy(target), copy.deepcopy(patch), schema)
    except RecursionError:
        raise too_deep() from None


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
        raise PatchError(f"unknown patch type: {directive} in map: {excerpt(patch)}", 400)
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
            field = schema.get(key, ATOMIC)
            if _strategy(field) == "replace":
                # Go keeps the patch map whole; its typed decode then ignores a "$patch" member.
                original[key] = _strip({k: v for k, v in value.items() if k != _DIRECTIVE})
            else:
                original[key] = _merge_map(current, value, field.schema)
        elif isinstance(value, list):
            original[key] = _merge_list(current, value, schema.get(key, ATOMIC), deleting)
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
                raise PatchError(f"expected a list in {key}, but received {excerpt(value)}", 422)
        field = schema.get(key, ATOMIC)
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
            f"The order in patch list: {excerpt(items)} doesn't match {_SET_ORDER} list: "
            f"{excerpt(order)}",
            422,
        )


def _map(item: Any) -> dict:
    if not isinstance(item, dict):
        raise PatchError(f"expected a map in a merging list, but received {excerpt(item)}", 422)
    return item


def _key(item: Any, merge_key: str) -> Any:
    if merge_key not in _map(item):
        message = f"map: {excerpt(item)} does not contain declared merge key: {merge_key}"
        raise PatchError(message, 422)
    return item[merge_key]


def _element_type(*lists: list) -> type:
    found: type | None = None
    for item in (item for items in lists for item in items):
        if item is None or (found is not None and type(item) is not found):
            raise PatchError(f"list element types are not identical: {excerpt(lists)}", 422)
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
            raise PatchError(f"unknown patch type: {directive} in map: {excerpt(item)}", 400)
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
