"""Accepted papers from a table with a column per field: the project's CSV and CMT's exports share this reader
(CMT names its columns `Paper ID`, `Paper Title`, `Authors`, `Author Emails`, `Status`)."""

from __future__ import annotations

import re
from collections import Counter

from .names import EMAIL, ID, author_ref, normalise_email, split_outside_parentheses, text
from .records import InvalidFile, PaperRecord, Problem
from .table import Table, pick

PAPER_ID = ("id", "paper id", "submission id", "submission", "#", "number", "paper number")
PAPER_TITLE = ("title", "paper title")
PAPER_AUTHORS = ("authors", "author names", "author list")
PAPER_EMAILS = ("emails", "author emails", "author e mails", "author email")
PAPER_FORMAT = ("format", "presentation format", "presentation type", "presentation", "type")
PAPER_DECISION = ("status", "decision")
PAPER_CONTACT_EMAIL = ("primary contact author email", "contact email", "corresponding author email")
AUTHOR_COL = re.compile(r"^author ?(\d+)(?: name)?$")
AUTHOR_EMAIL_COL = re.compile(r"^author ?(\d+) e ?mail$")
DEFAULT_ACCEPT = "accept"  # any decision starting with it: Accept, Accepted, accept (poster)


def is_papers_header(header: list[str]) -> bool:
    has_authors = pick(header, *PAPER_AUTHORS) or any(AUTHOR_COL.match(h) for h in header)
    return bool(pick(header, *PAPER_ID) and pick(header, *PAPER_TITLE) and has_authors)


def accepts(decision: str, accept: tuple[str, ...]) -> bool:
    """Whether a decision counts as accepted: any value starting with 'accept', or one given with --accept."""
    word = " ".join(decision.lower().split())
    return word.startswith(DEFAULT_ACCEPT) or word in {" ".join(a.lower().split()) for a in accept}


def missing_header_problem(table: Table, missing: list[str]) -> Problem:
    hint = (
        "; save the file from the tool's papers export, or add a header row with at least id, title and "
        "authors (docs/program-format.md)"
    )
    return Problem(table.file, table.header_at, f"the header has no {' or '.join(missing)} column{hint}")


def papers_from_table(table: Table, accept: tuple[str, ...] = ()) -> tuple[list[PaperRecord], Counter]:
    """(accepted papers, {decision: papers skipped}). A table with no decision column is all accepted papers."""
    header, fname, lab = table.header, table.file, table.label
    col_id, col_title = pick(header, *PAPER_ID), pick(header, *PAPER_TITLE)
    col_authors, col_emails = pick(header, *PAPER_AUTHORS), pick(header, *PAPER_EMAILS)
    col_format, col_decision = pick(header, *PAPER_FORMAT), pick(header, *PAPER_DECISION)
    col_contact = pick(header, *PAPER_CONTACT_EMAIL)
    author_cols = sorted(((int(m.group(1)), h) for h in header if (m := AUTHOR_COL.match(h))), key=lambda p: p[0])
    email_cols = {int(m.group(1)): h for h in header if (m := AUTHOR_EMAIL_COL.match(h))}
    missing = [
        label
        for label, col in (("id", col_id), ("title", col_title), ("authors", col_authors or author_cols))
        if not col
    ]
    if missing:
        raise InvalidFile([missing_header_problem(table, missing)])
    problems: list[Problem] = []
    papers: list[PaperRecord] = []
    skipped: Counter = Counter()
    seen: dict[str, int | str] = {}
    for line, row in table.rows:
        pid, title = row.get(col_id, ""), text(row.get(col_title, ""))
        if col_decision:
            decision = text(row.get(col_decision, "")) or "no decision"
            if not accepts(decision, accept):
                skipped[decision] += 1
                continue
        if not ID.match(pid):
            problems.append(
                Problem(fname, line, f"{lab(col_id)}: {pid!r} is not an id (letters, digits, . _ -; up to 64)")
            )
            continue
        if pid in seen:
            problems.append(Problem(fname, line, f"{lab(col_id)}: {pid} is already on line {seen[pid]}"))
            continue
        seen[pid] = line
        if not title:
            problems.append(Problem(fname, line, f"{lab(col_title)}: empty"))
        elif len(title) > 500:
            problems.append(Problem(fname, line, f"{lab(col_title)}: longer than 500 characters"))
        if col_authors:
            names = split_outside_parentheses(row.get(col_authors, ""), ";\n")
            emails = [e.strip() for e in re.split(r"[;\n]", row.get(col_emails, ""))] if col_emails else []
            emails = [e for e in emails if e] if any(emails) else []
            if emails and len(emails) != len(names):
                problems.append(
                    Problem(fname, line, f"{lab(col_emails)}: {len(emails)} e-mails for {len(names)} authors")
                )
                continue
        else:
            names, emails = [], []
            for number, col in author_cols:
                if row.get(col, "").strip():
                    names.append(row[col])
                    emails.append(row.get(email_cols.get(number, ""), ""))
        if not names:
            problems.append(Problem(fname, line, f"{lab(col_authors) or 'authors'}: no author"))
            continue
        contact_email = normalise_email(row.get(col_contact)) if col_contact else None
        authors = []
        for i, raw in enumerate(names):
            email = emails[i] if i < len(emails) else None
            ref = author_ref(raw, email, line)
            if ref.email and not EMAIL.match(ref.email):
                problems.append(
                    Problem(fname, line, f"{lab(col_emails) or 'emails'}: {email!r} is not an e-mail address")
                )
            ref.contact = ref.contact or bool(contact_email and ref.email == contact_email)
            authors.append(ref)
        addresses = [a.email for a in authors if a.email]
        if len(addresses) != len(set(addresses)):
            problems.append(Problem(fname, line, f"{lab(col_emails) or 'emails'}: the same e-mail for two authors"))
        papers.append(PaperRecord(line, pid, title, text(row.get(col_format, "")) if col_format else "", authors))
    if problems:
        raise InvalidFile(problems)
    return papers, skipped
