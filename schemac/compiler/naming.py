"""English naming helpers shared by every phase: snake_case, plurals and singulars."""

from __future__ import annotations

import re
from functools import cache

_IRREGULAR = {
    "person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice",
    "quiz": "quizzes", "index": "indexes", "status": "statuses", "analysis": "analyses", "leaf": "leaves",
    "datum": "data", "criterion": "criteria", "axis": "axes",
}
_UNCOUNTABLE = {"progress", "information", "equipment", "data", "metadata", "news", "series", "species",
                "feedback", "staff", "media", "software", "inventory", "audit_log", "history"}
_SINGULAR = {v: k for k, v in _IRREGULAR.items()}


@cache
def snake(name: str) -> str:
    """`QuizAttempt` -> `quiz_attempt`; `HTTPLog` -> `http_log`; snake_case stays as it is."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


@cache
def plural(word: str) -> str:
    """Pluralise the last `_` part of a snake_case word: `quiz_attempt` -> `quiz_attempts`."""
    head, _, last = word.rpartition("_")
    prefix = f"{head}_" if head else ""
    if last in _UNCOUNTABLE or last in _SINGULAR:
        return word
    if last in _IRREGULAR:
        return prefix + _IRREGULAR[last]
    if re.search(r"[^aeiou]y$", last):
        return prefix + last[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", last):
        return prefix + last + "es"
    return prefix + last + "s"


@cache
def singular(word: str) -> str:
    head, _, last = word.rpartition("_")
    prefix = f"{head}_" if head else ""
    if last in _UNCOUNTABLE or last in _IRREGULAR:
        return word
    if last in _SINGULAR:
        return prefix + _SINGULAR[last]
    if last.endswith("ies") and len(last) > 3:
        return prefix + last[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", last):
        return prefix + last[:-2]
    if last.endswith("s") and not last.endswith("ss"):
        return prefix + last[:-1]
    return word
