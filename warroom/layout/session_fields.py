"""The session's fields: the facts a go-live record asks for (the deployment date, who deployed,
the version, the environment), declared in the layout and filled in by the operator.

A field is free text, a date, a version, or one of its `choices`. `SessionField.accept` reads
what the operator typed into the value recorded, or says in one sentence why it is not one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from warroom.layout.checklist import ItemId
from warroom.layout.errors import FieldProblems
from warroom.layout.fields import Text

_FROZEN = ConfigDict(extra="forbid", frozen=True)
# A version as release tooling writes one: a single word with a digit in it (2.1.0, v3,
# 2.0.0-production, 2026.12.03-rc1).
_VERSION_RE = re.compile(r"[vV]?[0-9A-Za-z][0-9A-Za-z._+-]*")
LONGEST = 2000  # characters: a field is a fact, not an essay (notes are for that)

FieldKind = Literal["text", "date", "version"]
_SHAPES = {"text": "text", "date": "a date, like 2026-12-03", "version": "a version, like 2.1.0"}


class SessionField(BaseModel):
    """One fact of the go-live record, asked of the operator during the session."""

    model_config = _FROZEN

    # Empty only on a SessionField built outside a Layout; Layout fills it from the id.
    title: Text = ""
    kind: FieldKind = "text"
    choices: tuple[Text, ...] = ()
    required: StrictBool = True

    @model_validator(mode="after")
    def _choices(self) -> SessionField:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.choices and self.kind != "text":
            said = f"a field with choices is one of them, not a {self.kind}; "
            said += "remove kind or the choices"
            problems.append((("kind",), said))
        seen: set[str] = set()
        for i, choice in enumerate(self.choices):
            if choice.casefold() in seen:
                problems.append((("choices", i), f"{choice!r} is listed twice; keep one"))
            seen.add(choice.casefold())
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def shape(self) -> str:
        """How a value of this field is written, for the question that asks for it."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return _SHAPES[self.kind]

    def accept(self, typed: str) -> str:
        """The value to record for what the operator typed; ValueError says why it is none."""
        value = " ".join(typed.split()) if self.kind != "text" else typed.strip()
        name = self.title
        if not value:
            raise ValueError(f"{name} is empty; type its value")
        if len(value) > LONGEST:
            raise ValueError(
                f"{name} is {len(value)} characters; keep it under {LONGEST} and put the rest "
                "in a note"
            )
        if self.choices:
            chosen = next((c for c in self.choices if c.casefold() == value.casefold()), None)
            if chosen is None:
                raise ValueError(
                    f"{value!r} is not a choice of {name}; pick one of {', '.join(self.choices)}"
                )
            return chosen
        if self.kind == "date":
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                raise ValueError(f"{value!r} is not a date; write {name} like 2026-12-03") from None
        if self.kind == "version" and (
            _VERSION_RE.fullmatch(value) is None or not any(c.isdigit() for c in value)
        ):
            raise ValueError(
                f"{value!r} is not a version; write {name} as one word, like 2.1.0 or v2.1.0-rc1"
            )
        return value


#: The ids of session_fields: the journal records a field by its id.
SessionFields = dict[ItemId, SessionField]
