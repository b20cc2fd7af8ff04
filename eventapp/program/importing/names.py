"""Names, e-mails and author lists as conference tools write them."""

from __future__ import annotations

import re
from typing import Any

from .records import PersonRef

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def split_name(raw: str) -> tuple[str, str]:
    """'Chen, Hao' -> ('Hao Chen', 'Chen, Hao'); 'Hao Chen' -> ('Hao Chen', 'Chen, Hao')."""
    text = " ".join(raw.replace("*", " ").split())
    if "," in text:
        last, _, first = text.partition(",")
        last, first = last.strip(), first.strip()
        return (f"{first} {last}".strip(), f"{last}, {first}" if first else last)
    parts = text.rsplit(" ", 1)
    return (text, f"{parts[1]}, {parts[0]}" if len(parts) == 2 else text)


def normalise_email(raw: str | None) -> str | None:
    """Lower-case, without CMT's contact mark (`name@x.org*`)."""
    text = (raw or "").strip().strip("*").strip().lower()
    return text or None


def text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def split_outside_parentheses(raw: str, separators: str = ";") -> list[str]:
    """'A (X; Y); B' -> ['A (X; Y)', 'B']: a separator inside an affiliation's parentheses does not split."""
    parts, depth, current = [], 0, []
    for char in raw:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def name_and_affiliation(raw: str) -> tuple[str, str, bool]:
    """CMT's 'Name (Affiliation)*' -> (name, affiliation, contact), nested parentheses kept in the affiliation:
    'Ji Kim (Korea Advanced Institute of Science and Technology (KAIST))' -> ('Ji Kim', 'Korea ... (KAIST)')."""
    entry = raw.strip()
    contact = "*" in entry
    entry = entry.replace("*", "").strip()
    affiliation = ""
    if entry.endswith(")"):
        depth = 0
        for i in range(len(entry) - 1, -1, -1):
            if entry[i] == ")":
                depth += 1
            elif entry[i] == "(":
                depth -= 1
                if depth == 0:
                    if entry[:i].strip():  # '(Anonymous)' alone is a name, not an affiliation
                        entry, affiliation = entry[:i].strip(), entry[i + 1 : -1].strip()
                    break
    return entry, " ".join(affiliation.split()), contact


def author_ref(raw: str, email: str | None, line: int | str) -> PersonRef:
    """One author: 'Last, First', 'First Last' or 'First Last (Affiliation)*'; a `*` marks the contact author."""
    name_part, affiliation, contact = name_and_affiliation(raw)
    name, sort_name = split_name(name_part)
    contact = contact or bool(email and email.strip().endswith("*"))
    return PersonRef(
        name=name,
        sort_name=sort_name,
        email=normalise_email(email),
        affiliation=affiliation,
        line=line,
        contact=contact,
    )


def easychair_names(raw: str) -> list[str]:
    """EasyChair's 'A, B and C' (or 'A and B', or 'A') -> ['A', 'B', 'C']."""
    cleaned = " ".join(raw.split())
    if not cleaned:
        return []
    head, sep, last = cleaned.rpartition(" and ")
    names = [n.strip() for n in head.split(",")] + [last.strip()] if sep else [n.strip() for n in cleaned.split(",")]
    return [n for n in names if n]
