"""RFC 6902 JSON patch (``application/json-patch+json``), applied with the jsonpatch library.

kube-apiserver applies these with evanphx/json-patch and kubectl prints its messages as they
come, so a patch that fails here fails with the server's words (422, or 400 for a body that is
not a list of operations), not jsonpatch's. The subclasses below keep the server's answers
where jsonpatch's differ: its ``test`` has True equal 1, its pointers index into strings and
refuse "~2", its ``replace`` refuses an object's "-" key, its ``move`` guards only objects
against a move into a child, and ``""`` or "-" make some of its operations raise TypeError.
"""

from __future__ import annotations

import copy
import re
from types import MappingProxyType
from typing import Any

# jsonpatch and jsonpointer ship no type information (no py.typed marker, no stubs).
import jsonpatch  # type: ignore[import-untyped]
from jsonpointer import JsonPointer, JsonPointerException, unescape  # type: ignore[import-untyped]

from warroom.sim.patch.errors import PatchError, cannot_unmarshal, excerpt, too_deep

_OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def apply_json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902: apply ``ops`` in order; one failing op rejects the whole patch. Neither input
    is changed, and the result shares nothing with them."""
    if not isinstance(ops, list):
        raise cannot_unmarshal(ops, "jsonpatch.Patch")
    for op in ops:
        if not isinstance(op, dict):
            raise cannot_unmarshal(op, "jsonpatch.Operation")
    try:
        doc = copy.deepcopy(target)
        for op in ops:
            # One operation at a time, each decoded just before it applies, as Go's loop does:
            # which error a patch reports depends on that order.
            _decode(op)
            patch = _ServerJsonPatch([copy.deepcopy(op)], pointer_cls=_Pointer)
            try:
                doc = patch.apply(doc, in_place=True)
            except (jsonpatch.JsonPatchException, JsonPointerException) as error:
                raise _in_server_words(op, error) from None
        return doc
    except RecursionError:
        raise too_deep() from None


def _decode(op: dict[str, Any]) -> None:
    """The checks Go's Operation accessors (Kind, Path, From, value) make before an operation
    applies. jsonpatch makes them too, but some only midway through applying."""
    name = op.get("op")
    if name not in _OPERATIONS:
        raise PatchError(f"Unexpected kind: {name if isinstance(name, str) else 'unknown'}", 422)
    for field in ("path", "from") if name in ("move", "copy") else ("path",):
        text = op.get(field)
        if not isinstance(text, str):
            shown = "missing value" if text is None else excerpt(text)
            raise PatchError(f"{name} operation failed to decode {field}: {shown}", 422)
        if text and not text.startswith("/"):
            message = f'{name} operation does not apply: invalid JSON pointer: "{text}"'
            raise PatchError(message, 422)
    if name in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"{name} operation, missing value field: missing value", 422)


def _in_server_words(op: dict[str, Any], error: Exception) -> PatchError:
    """What evanphx/json-patch says where jsonpatch (or one of our operations) raised."""
    name = op["op"]
    if isinstance(error, _NotFound):
        text = error.pointer.text
        if error.what == "index":
            message = f"Unable to access invalid index: {error.pointer.parts[-1]}"
            return PatchError(f"error in {name} for path: '{text}': {message}", 422)
        message = f"{name} operation does not apply: doc is missing {error.what}: {text}"
        return PatchError(message, 422)
    if isinstance(error, jsonpatch.JsonPatchTestFailed):
        return PatchError(f"testing value {op['path']} failed: test failed", 422)
    # JsonPatchConflict with our words ("cannot remove the document", "/a is a prefix of
    # /a/b"), or anything else jsonpatch may refuse that _decode let through.
    return PatchError(f"{name} operation does not apply: {error}", 422)


class _NotFound(JsonPointerException):
    """A pointer that names nothing, and how Go says so: ``what`` is "path" when its parent is
    missing, "key" when only the member is, "index" for an array index Go cannot use."""

    def __init__(self, pointer: _Pointer, what: str) -> None:
        super().__init__(f"{pointer.text}: missing {what}")
        self.pointer = pointer
        self.what = what


class _Pointer(JsonPointer):
    """A JSON pointer as evanphx/json-patch reads it: a "~" other than "~0" and "~1" is kept
    as it is, only objects and arrays have members, and "-" names no member of an array."""

    def __init__(self, pointer: str) -> None:
        # jsonpointer's own constructor refuses "~2"; _decode has checked the rest.
        self.text = pointer
        self.parts = [unescape(part) for part in pointer.split("/")[1:]]

    def walk(self, doc: Any, part: Any) -> Any:
        if isinstance(doc, dict) or (isinstance(doc, list) and part != "-"):
            try:
                return super().walk(doc, part)
            except JsonPointerException:
                pass
        raise _NotFound(self, "key")

    def to_last(self, doc: Any) -> tuple[Any, Any]:
        """The parent and the last part, an int for an array, as jsonpatch's operations want."""
        if not self.parts:
            return doc, None
        parent, last = self._parent(doc), self.parts[-1]
        if isinstance(parent, dict) or last == "-":
            return parent, last
        if not _ARRAY_INDEX.fullmatch(last):
            raise _NotFound(self, "index")
        return parent, int(last)

    def value_in(self, doc: Any) -> Any:
        """The value the pointer names (RFC 6901 evaluation)."""
        return self.walk(self._parent(doc), self.parts[-1]) if self.parts else doc

    def _parent(self, doc: Any) -> dict | list:
        node = doc
        try:
            for part in self.parts[:-1]:
                node = self.walk(node, part)
        except _NotFound:
            raise _NotFound(self, "path") from None
        if not isinstance(node, dict | list):
            raise _NotFound(self, "path")
        return node


class _Add(jsonpatch.AddOperation):
    """RFC 6902 4.1; "" replaces the whole document, whatever it holds."""

    def apply(self, obj: Any) -> Any:
        if not self.pointer.parts:
            return self.operation["value"]
        try:
            return super().apply(obj)
        except jsonpatch.JsonPatchConflict:  # an index past the end of the array
            raise _NotFound(self.pointer, "index") from None


class _Remove(jsonpatch.RemoveOperation):
    """RFC 6902 4.2; the target must exist, and the whole document cannot be removed."""

    def apply(self, obj: Any) -> Any:
        if not self.pointer.parts:
            raise jsonpatch.JsonPatchConflict("cannot remove the document")
        parent, _ = self.pointer.to_last(obj)
        try:
            return super().apply(obj)
        except (jsonpatch.JsonPatchConflict, JsonPointerException):
            # Go reports an array index it cannot remove as invalid, an object key as missing.
            what = "index" if isinstance(parent, list) else "key"
            raise _NotFound(self.pointer, what) from None


class _Replace(jsonpatch.ReplaceOperation):
    """RFC 6902 4.3: the target must exist (Go reads it first, so any miss is a missing key),
    then a remove and an add. jsonpatch's own replace refuses an object's "-" key."""

    def apply(self, obj: Any) -> Any:
        self.pointer.value_in(obj)
        if not self.pointer.parts:
            return self.operation["value"]
        obj = _Remove({"op": "remove", "path": self.pointer}, pointer_cls=_Pointer).apply(obj)
        return _add(obj, self.pointer, self.operation["value"])


class _Move(jsonpatch.MoveOperation):
    """RFC 6902 4.4 as a remove and an add, so that "" and "-" act as in those; no location
    moves into its own child (jsonpatch checks only the children of objects)."""

    def apply(self, obj: Any) -> Any:
        source = _Pointer(self.operation["from"])
        value = source.value_in(obj)
        if source.parts == self.pointer.parts:
            return obj
        if self.pointer.contains(source):
            raise jsonpatch.JsonPatchConflict(f"{source.text} is a prefix of {self.pointer.text}")
        obj = _Remove({"op": "remove", "path": source}, pointer_cls=_Pointer).apply(obj)
        return _add(obj, self.pointer, value)


class _Copy(jsonpatch.CopyOperation):
    """RFC 6902 4.5, through _Add so that "" acts as in an add."""

    def apply(self, obj: Any) -> Any:
        value = copy.deepcopy(_Pointer(self.operation["from"]).value_in(obj))
        return _add(obj, self.pointer, value)


def _add(obj: Any, pointer: _Pointer, value: Any) -> Any:
    return _Add({"op": "add", "path": pointer, "value": value}, pointer_cls=_Pointer).apply(obj)


class _Test(jsonpatch.TestOperation):
    """RFC 6902 4.6, with JSON's equality rather than Python's (jsonpatch uses ==)."""

    def apply(self, obj: Any) -> Any:
        if not _json_equal(self.pointer.value_in(obj), self.operation["value"]):
            raise jsonpatch.JsonPatchTestFailed("test failed")
        return obj


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


class _ServerJsonPatch(jsonpatch.JsonPatch):
    """jsonpatch's JsonPatch with the operations above."""

    operations = MappingProxyType(
        {
            "add": _Add,
            "remove": _Remove,
            "replace": _Replace,
            "move": _Move,
            "copy": _Copy,
            "test": _Test,
        }
    )
