"""Names the server picks for `metadata.generateName`: names.SimpleNameGenerator of apiserver.

The generator is injectable (Registry(names=...)) so a test can make it collide on purpose.
"""

from __future__ import annotations

import random
from typing import Protocol

# utilrand's alphabet: no vowels (no words), no 0/1/3 (no look-alikes).
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
RANDOM_LENGTH = 5
MAX_NAME_LENGTH = 63
MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH

# maxNameGenerationCreateAttempts (store.go, RetryGenerateName, GA in 1.32): with 8 attempts
# a prefix holds a million generated names at a 0.1 % chance of any conflict.
MAX_CREATE_ATTEMPTS = 8


class NameGenerator(Protocol):
    """Turns a generateName prefix into a candidate name."""

    def generate_name(self, base: str) -> str: ...


class SimpleNameGenerator:
    """The prefix (cut to 58 characters) and five random characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def generate_name(self, base: str) -> str:
        if len(base) > MAX_GENERATED_NAME_LENGTH:
            base = base[:MAX_GENERATED_NAME_LENGTH]
        return base + "".join(self.rng.choice(ALPHANUMS) for _ in range(RANDOM_LENGTH))
