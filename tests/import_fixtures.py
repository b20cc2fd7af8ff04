"""Files in the real layouts of CMT's and EasyChair's exports, built from the TAI4H 2024 accepted papers (the
shared data) plus made-up rejected papers, as organizers download them."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

SHARED = Path("/work/shared/data/tai4h-2024.json")
LOCAL = Path(__file__).parent.parent / "eventapp" / "program" / "data" / "tai4h-2024.json"

# Made-up affiliations, some with nested parentheses and scripts other than Latin.
AFFILIATIONS = {
    "Chen, Hao": "香港科技大学 (Hong Kong University of Science and Technology (HKUST))",
    "Liu, Sicen": "Harbin Institute of Technology (Shenzhen)",
    "Le, Linh": "The University of Queensland",
    "Karagoz, Gizem Nur": "Eindhoven University of Technology (TU/e)",
    "Tang, Xiaoying": "Southern University of Science and Technology",
    "KHA, HIEN QUANG": "Trường Đại học Bách khoa Hà Nội",
}
DEFAULT_AFFILIATION = "Korea Advanced Institute of Science and Technology (KAIST)"

REJECTED = [
    ("Deep Learning for Everything in Healthcare", ["Doe, Jane", "Roe, Richard"]),
    ("A Survey of Surveys on Trust", ["김, 민준", "Smith, Alex"]),
    ("Blockchain Meets Radiology", ["王, 芳", "Chen, Hao"]),
    ("Yet Another Benchmark", ["Novak, Eva"]),
    ("Federated Everything", ["Park, Min", "Lee, Sora"]),
    ("Explainability Is All You Need", ["Kumar, Ravi"]),
    ("Trust Me, I Am a Model", ["Garcia, Lucia", "Rossi, Marco"]),
    ("On the Impossibility of Fair Triage", ["Tanaka, Yui"]),
]


def tai4h() -> dict:
    return json.loads((SHARED if SHARED.exists() else LOCAL).read_text(encoding="utf-8"))


def email_of(sort_name: str) -> str:
    last, _, first = sort_name.partition(",")
    ascii_name = unicodedata.normalize("NFKD", f"{first.strip()}.{last.strip()}").encode("ascii", "ignore").decode()
    local = "".join(c for c in ascii_name.lower().replace(" ", "") if c.isalnum() or c == ".").strip(".")
    return f"{local or 'author' + str(abs(hash(sort_name)) % 1000)}@example.org"


def display(sort_name: str) -> str:
    last, _, first = sort_name.partition(",")
    return f"{first.strip()} {last.strip()}".strip()


def submissions() -> list[dict]:
    """21 submissions: the 13 accepted TAI4H papers (numbered 1..21 with the rejected between them)."""
    data = tai4h()
    accepted = [
        {
            "title": p["title"],
            "authors": p["authors"],
            "contact": p["marked_author"],
            "status": "Accept",
            "abstract": f"We study {p['title'].lower()}.\nSecond paragraph of the abstract.",
            "source_id": p["id"],
        }
        for p in data["papers"]
    ]
    rejected = [
        {"title": t, "authors": a, "contact": a[0], "status": "Reject", "abstract": "Rejected.", "source_id": None}
        for t, a in REJECTED
    ]
    rows = []
    for i in range(21):  # interleave: accepted, rejected, accepted, ...
        source = rejected if i % 3 == 1 and rejected else accepted if accepted else rejected
        rows.append(source.pop(0))
    for number, row in enumerate(rows, start=1):
        row["number"] = str(number)
    return rows


CMT_HEADER = [
    "Paper ID",
    "Created",
    "Last Modified",
    "Paper Title",
    "Abstract",
    "Primary Contact Author Name",
    "Primary Contact Author Email",
    "Authors",
    "Author Names",
    "Author Emails",
    "Track Name",
    "Primary Subject Area",
    "Secondary Subject Areas",
    "Conflicts",
    "Domains",
    "Assigned",
    "Completed",
    "% Completed",
    "Bids",
    "Discussion",
    "Status",
    "Requested For Camera Ready",
    "Camera Ready Submitted?",
    "Files",
    "Number of Files",
]


def cmt_rows() -> list[list[str]]:
    rows = []
    for sub in submissions():
        authors = sub["authors"]
        star = [a == sub["contact"] for a in authors]
        affiliations = [AFFILIATIONS.get(a, DEFAULT_AFFILIATION) for a in authors]
        rows.append(
            [
                sub["number"],
                "5/1/2024 10:00:00 AM",
                "5/2/2024 11:00:00 AM",
                sub["title"],
                sub["abstract"],
                display(sub["contact"]),
                email_of(sub["contact"]),
                "; ".join(
                    f"{display(a)} ({aff}){'*' if s else ''}"
                    for a, aff, s in zip(authors, affiliations, star, strict=True)
                ),
                "; ".join(display(a) for a in authors),
                "; ".join(f"{email_of(a)}{'*' if s else ''}" for a, s in zip(authors, star, strict=True)),
                "Main Track",
                "Healthcare -> Trust",
                "",
                "0",
                "example.org",
                "3",
                "3",
                "100%",
                "0",
                "0",
                sub["status"],
                "Yes" if sub["status"] == "Accept" else "No",
                "",
                "paper.pdf",
                "1",
            ]
        )
    return rows


CMT_TITLE = "TAI4H 2024 - Papers"


def cmt_sheet() -> list[list[str]]:
    """As CMT's Export to Excel lays it out: a title row, an empty row, the header on row 3."""
    return [[CMT_TITLE], [], CMT_HEADER, *cmt_rows()]


def write_xlsx(path: Path, rows: list[list[str]], sheet: str = "Papers") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append([int(c) if isinstance(c, str) and c.isdigit() and len(c) < 6 else c for c in row] or [None])
    book.save(path)
    return path


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def write_cmt(path: Path, layout: str) -> Path:
    """layout: xlsx | csv (UTF-8 with BOM, as Excel's 'CSV UTF-8') | tab (UTF-8 text) | utf16 (Excel's 'Unicode
    Text': UTF-16 with BOM, tab-separated) | cp1252 (Excel's plain 'CSV': Windows-1252)."""
    rows = cmt_sheet()
    if layout == "xlsx":
        return write_xlsx(path, rows)
    if layout == "csv":
        path.write_bytes(csv_text(rows).encode("utf-8-sig"))
    elif layout == "tab":
        path.write_bytes(csv_text(rows, "\t").encode("utf-8"))
    elif layout == "utf16":
        path.write_bytes(csv_text(rows, "\t").encode("utf-16"))
    elif layout == "cp1252":
        path.write_bytes(csv_text(rows).encode("cp1252", errors="replace"))
    return path


def write_easychair(folder: Path) -> tuple[Path, Path]:
    """submission.csv (`#,title,authors,...,decision,...`, authors as `A, B and C`) and author.csv."""
    subs = submissions()
    header = [
        "#",
        "title",
        "authors",
        "submitted",
        "last updated",
        "form fields",
        "keywords",
        "decision",
        "notified",
        "reviews sent",
        "abstract",
        "deleted?",
    ]
    rows = [header]
    for sub in subs:
        names = [display(a) for a in sub["authors"]]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        decision = "accept" if sub["status"] == "Accept" else "reject"
        rows.append(
            [
                sub["number"],
                sub["title"],
                joined,
                "2024-05-01 10:00",
                "2024-05-02 11:00",
                "",
                "trust\nhealth",
                decision,
                "yes",
                "yes",
                sub["abstract"],
                "no",
            ]
        )
    submission = folder / "submission.csv"
    submission.write_text(csv_text(rows), encoding="utf-8")
    arows = [
        [
            "submission #",
            "first name",
            "last name",
            "email",
            "country",
            "affiliation",
            "Web page",
            "person #",
            "corresponding?",
        ]
    ]
    people: dict[str, int] = {}
    for sub in subs:
        for a in sub["authors"]:
            last, _, first = a.partition(",")
            person = people.setdefault(a, len(people) + 1)
            arows.append(
                [
                    sub["number"],
                    first.strip(),
                    last.strip(),
                    email_of(a),
                    "Korea",
                    AFFILIATIONS.get(a, DEFAULT_AFFILIATION),
                    "",
                    str(person),
                    "yes" if a == sub["contact"] else "no",
                ]
            )
    author = folder / "author.csv"
    author.write_text(csv_text(arows), encoding="utf-8")
    return submission, author


def write_cmt_people(path: Path) -> Path:
    """CMT's people export: tab-separated, `# First Name` first."""
    header = [
        "# First Name",
        "Middle Initial (optional)",
        "Last Name",
        "E-mail",
        "Organization",
        "Country",
        "Google Scholar URL",
        "Semantic Scholar URL",
        "DBLP URL",
        "Domain Conflicts",
    ]
    rows = [header]
    seen = set()
    for sub in submissions():
        if sub["status"] != "Accept":
            continue
        for a in sub["authors"]:
            if a in seen:
                continue
            seen.add(a)
            last, _, first = a.partition(",")
            rows.append(
                [
                    first.strip(),
                    "",
                    last.strip(),
                    email_of(a),
                    AFFILIATIONS.get(a, DEFAULT_AFFILIATION),
                    "South Korea",
                    "",
                    "",
                    "",
                    "example.org",
                ]
            )
    path.write_text(csv_text(rows, "\t"), encoding="utf-8")
    return path
