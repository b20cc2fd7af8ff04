"""The project's papers JSON: `{"papers": [{"id", "title", "format"?, "authors": ["Last, First" | {"name",
"email"?, "affiliation"?, "contact"?}], "marked_author"?, "decision"?}]}` (or the list alone). The shared TAI4H
data file has this shape; `marked_author` names the contact author."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .columns import accepts
from .names import ID, author_ref
from .program_json import _Checker, _line, _load_json_with_lines
from .records import InvalidFile, PaperRecord, PapersFile, Problem


def read_papers_json(path: Path, accept: tuple[str, ...] = ()) -> PapersFile:
    doc = _load_json_with_lines(path)
    items = doc.get("papers") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InvalidFile([Problem(path.name, 1, 'expected {"papers": [...]} or a list of papers')])
    c = _Checker(path.name)
    papers, skipped, seen = [], Counter(), set()
    for i, item in enumerate(items):
        where = f"papers[{i}]"
        if (item := c.obj(item, where, doc)) is None:
            continue
        decision = item.get("decision")
        if isinstance(decision, str) and decision.strip() and not accepts(decision, accept):
            skipped[decision.strip()] += 1
            continue
        pid = c.unique_ident(item, "id", where, seen)
        title = c.text(item, "title", where)
        authors = []
        raw_authors = item.get("authors")
        if not isinstance(raw_authors, list) or not raw_authors:
            c.fail(item, f"{where}.authors", "needs a list with at least one author")
            raw_authors = []
        for j, raw in enumerate(raw_authors):
            if isinstance(raw, str) and raw.strip():
                ref = author_ref(raw, None, _line(item))
                ref.contact = ref.contact or raw == item.get("marked_author")
            elif isinstance(raw, dict):
                ref = c.person(raw, f"{where}.authors[{j}]", item)
                if ref is None:
                    continue
                ref.contact = raw.get("contact") is True
            else:
                c.fail(item, f"{where}.authors[{j}]", "expected a name or an object with a name")
                continue
            authors.append(ref)
        if pid and ID.match(pid):
            papers.append(PaperRecord(_line(item), pid, title, c.text(item, "format", where, required=False), authors))
    if c.problems:
        raise InvalidFile(c.problems)
    return PapersFile(f"papers JSON ({path.name})", papers, skipped, [], [str(path)])
