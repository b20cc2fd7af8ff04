"""Reading the organizers' files: a module per source format, plus the step that applies them.

- table: bytes -> rows (encoding, delimiter, header row below title rows, physical lines, .xlsx sheets)
- columns: papers from a column-per-field table (the project's CSV, CMT's exports); cmt: recognising CMT
- easychair: submission.csv + author.csv; native_json: the project's papers JSON; people: people files
- program_json: the program file; detect: which reader a papers file needs; apply: into the database
"""

from .detect import parse_papers_csv, read_papers
from .names import EMAIL, ID, normalise_email, split_name
from .people import PeopleFile, parse_people_csv, read_people
from .program_json import parse_program_doc, parse_program_json
from .records import (
    MAX_FILE_BYTES,
    InvalidFile,
    PaperRecord,
    PapersFile,
    PersonRef,
    Problem,
    ProgramRecord,
    SessionRecord,
    SlotRecord,
)

__all__ = [
    "EMAIL",
    "ID",
    "MAX_FILE_BYTES",
    "InvalidFile",
    "PaperRecord",
    "PapersFile",
    "PeopleFile",
    "PersonRef",
    "Problem",
    "ProgramRecord",
    "SessionRecord",
    "SlotRecord",
    "normalise_email",
    "parse_papers_csv",
    "parse_people_csv",
    "parse_program_doc",
    "parse_program_json",
    "read_papers",
    "read_people",
    "split_name",
]
