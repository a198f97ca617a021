"""The layout's JSON Schema, for editors (yaml-language-server) and `warroom schema`."""

from __future__ import annotations

from typing import Any

from warroom.layout.schema import Layout


def layout_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a layout file, as written (by alias: `for`, `json`)."""
    schema = Layout.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "warroom layout"
    return schema
