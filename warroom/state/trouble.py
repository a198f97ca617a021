"""How much a row or panel needs the engineer's attention: the one scale every view uses."""

from __future__ import annotations

from typing import Literal

#: "": fine; "warn": moving or worth a look; "bad": broken, act on it.
Trouble = Literal["", "warn", "bad"]
