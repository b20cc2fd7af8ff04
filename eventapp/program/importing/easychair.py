"""EasyChair: `submission.csv` (`#,title,authors,...,decision,...`, authors as `A, B and C`) joined to
`author.csv` (a row per author per paper: `submission #,first name,last name,email,country,affiliation,
Web page,person #,corresponding?`) by submission and position. Without author.csv the names are read from
submission.csv alone (no e-mails, no affiliations) and the summary says so. Ignored: keywords, abstracts,
form fields, dates, reviews."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .columns import accepts
from .names import EMAIL, ID, easychair_names, normalise_email, split_name, text
from .records import InvalidFile, PaperRecord, PapersFile, PersonRef, Problem
from .table import Table, pick, read_table

AUTHOR_FILE_NAMES = ("author.csv", "authors.csv")


def is_submission_header(header: list[str]) -> bool:
    return "#" in header and "title" in header and "authors" in header


def looks_like_easychair(table: Table, path: Path) -> bool:
    return is_submission_header(table.header) and (
        "decision" in table.header or path.name.lower().startswith("submission")
    )


def is_author_header(header: list[str]) -> bool:
    return "submission #" in header and "first name" in header and "last name" in header


def side_by_side_authors(path: Path) -> Path | None:
    for name in AUTHOR_FILE_NAMES:
        candidate = path.with_name(name)
        if candidate.exists() and candidate != path:
            return candidate
    return None


def _authors_by_submission(authors_path: Path) -> tuple[dict[str, list[PersonRef]], Table]:
    table = read_table(authors_path, is_author_header)
    if not is_author_header(table.header):
        raise InvalidFile(
            [
                Problem(
                    table.file,
                    table.header_at,
                    "this is not EasyChair's author.csv: the header needs submission #, first name and last name",
                )
            ]
        )
    col_email, col_aff = pick(table.header, "email"), pick(table.header, "affiliation")
    col_contact = pick(table.header, "corresponding?", "corresponding")
    problems, found = [], {}
    for line, row in table.rows:
        number = row.get("submission #", "").strip()
        name, sort_name = split_name(f"{row.get('last name', '')}, {row.get('first name', '')}".strip(" ,"))
        email = normalise_email(row.get(col_email)) if col_email else None
        if email and not EMAIL.match(email):
            problems.append(Problem(table.file, line, f"email: {email!r} is not an e-mail address"))
        contact = bool(col_contact) and row.get(col_contact, "").strip().lower() in {"yes", "y", "true", "1", "x"}
        found.setdefault(number, []).append(
            PersonRef(
                name,
                sort_name,
                email,
                text(row.get(col_aff, "")) if col_aff else "",
                line=line,
                contact=contact,
            )
        )
    if problems:
        raise InvalidFile(problems)
    return found, table


def read_easychair(table: Table, path: Path, authors_path: Path | None, accept: tuple[str, ...]) -> PapersFile:
    authors_path = authors_path or side_by_side_authors(path)
    warnings = list(table.warnings)
    by_submission: dict[str, list[PersonRef]] = {}
    files = [str(path)]
    if authors_path is not None:
        by_submission, author_table = _authors_by_submission(authors_path)
        warnings += author_table.warnings
        files.append(str(authors_path))
        fmt = f"EasyChair submission.csv + {authors_path.name} ({table.description})"
    else:
        warnings.append(
            f"{table.file}: no author.csv beside it (or --authors FILE): authors read from the "
            "authors column, without e-mails or affiliations"
        )
        fmt = f"EasyChair submission.csv ({table.description})"
    col_decision, col_deleted = pick(table.header, "decision"), pick(table.header, "deleted?", "deleted")
    problems, papers, skipped, seen = [], [], Counter(), {}
    for line, row in table.rows:
        number, title = row.get("#", "").strip(), text(row.get("title", ""))
        if col_deleted and row.get(col_deleted, "").strip().lower() in {"yes", "y", "true", "1"}:
            skipped["deleted"] += 1
            continue
        if col_decision:
            decision = text(row.get(col_decision, "")) or "no decision"
            if not accepts(decision, accept):
                skipped[decision] += 1
                continue
        if not ID.match(number):
            problems.append(Problem(table.file, line, f"#: {number!r} is not a submission number"))
            continue
        if number in seen:
            problems.append(Problem(table.file, line, f"#: {number} is already on line {seen[number]}"))
            continue
        seen[number] = line
        if not title:
            problems.append(Problem(table.file, line, "title: empty"))
        names = easychair_names(row.get("authors", ""))
        if authors_path is not None:
            authors = by_submission.get(number, [])
            if names and len(authors) != len(names):
                problems.append(
                    Problem(
                        table.file,
                        line,
                        f"authors: {len(names)} names but {authors_path.name} has "
                        f"{len(authors)} rows for submission {number}: export both files again "
                        "at the same time",
                    )
                )
                continue
        else:
            authors = [PersonRef(*split_name(n), line=line) for n in names]
        if not authors:
            problems.append(Problem(table.file, line, "authors: no author"))
            continue
        papers.append(PaperRecord(line, number, title, "", authors))
    if problems:
        raise InvalidFile(problems)
    return PapersFile(fmt, papers, skipped, warnings, files)
