"""`POST /v1/completions` of an inference server, shaped as vLLM's OpenAI-compatible server
answers it (vllm/entrypoints/openai/protocol.py: CompletionRequest, CompletionResponse).

The request is validated as FastAPI validates a pydantic body: JSON that does not parse is
422 `json_invalid` at ("body", position) and a missing or mistyped field is pydantic's own
error under "body" (fastapi/routing.py, `errors(include_url=False)`). The sim's model writes
the prompt's words in turn, as many as the service's tokens per request (at most
`max_tokens`, 16 by default as in the OpenAI API); tokens are words.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ValidationError


class CompletionRequest(BaseModel):
    prompt: str | list[str]
    model: str | None = None
    max_tokens: int | None = 16


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors(include_url=False):
        out.append({**error, "loc": ["body", *error["loc"]]})
    return out


def completion(
    body: bytes, *, model: str, pod: str, now: float, tokens: float
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of the completion of `body`."""
    try:
        data = json.loads(body or b"null")
    except json.JSONDecodeError as exc:
        error = {
            "type": "json_invalid",
            "loc": ["body", exc.pos],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": exc.msg},
        }
        return 422, {"detail": [error]}
    try:
        request = CompletionRequest.model_validate(data)
    except ValidationError as exc:
        return 422, {"detail": json.loads(json.dumps(_errors(exc), default=str))}
    prompts = [request.prompt] if isinstance(request.prompt, str) else request.prompt
    words = " ".join(prompts).split() or ["."]
    limit = request.max_tokens if request.max_tokens is not None else 16
    count = max(0, min(limit, round(tokens)))
    text = " " + " ".join(words[i % len(words)] for i in range(count)) if count else ""
    prompt_tokens = sum(len(p.split()) for p in prompts)
    digest = hashlib.sha256(f"{pod}/{now}/{request.prompt}".encode()).hexdigest()[:32]
    return 200, {
        "id": f"cmpl-{digest}",
        "object": "text_completion",
        "created": int(now),
        "model": request.model or model,
        "choices": [
            {
                "index": 0,
                "text": text,
                "logprobs": None,
                "finish_reason": "length" if count == limit else "stop",
                "stop_reason": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + count,
            "completion_tokens": count,
        },
    }
