"""PostgreSQL error codes (SQLSTATE) grouped by their class: the first two characters.

The class names are PostgreSQL's own (Appendix A, "PostgreSQL Error Codes").
"""

from __future__ import annotations

CLASSES = {
    "08": "connection_exception",
    "0A": "feature_not_supported",
    "22": "data_exception",
    "23": "integrity_constraint_violation",
    "25": "invalid_transaction_state",
    "28": "invalid_authorization_specification",
    "40": "transaction_rollback",
    "42": "syntax_error_or_access_rule_violation",
    "53": "insufficient_resources",
    "54": "program_limit_exceeded",
    "55": "object_not_in_prerequisite_state",
    "57": "operator_intervention",
    "58": "system_error",
    "XX": "internal_error",
}

# Codes people look for by name: they decide whether a transaction is worth retrying.
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"


def class_name(code: str) -> str:
    return CLASSES.get(code[:2], "other")


def sqlstate_classes(counts: dict[str, int]) -> dict[str, dict[str, int | str]]:
    """{"23": {"name": "integrity_constraint_violation", "count": 4}, ...} from code counts."""
    out: dict[str, dict[str, int | str]] = {}
    for code, n in sorted(counts.items()):
        entry = out.setdefault(code[:2], {"name": class_name(code), "count": 0})
        entry["count"] = int(entry["count"]) + n
    return out
