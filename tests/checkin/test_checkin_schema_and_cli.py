"""The migration matches the models; `eventapp badges` writes print-ready PDF and HTML."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pypdf import PdfReader
from sqlmodel import SQLModel

from eventapp import create_app, db, migrate

EVENTAPP = str(Path(sys.executable).with_name("eventapp"))


def test_migrated_database_equals_the_models(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    with app.app_context():
        migrate.upgrade()
        db.import_models()
        with db.get_engine().connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    ours = [
        d
        for d in diff
        if "checkin" in repr(d) or "badge" in repr(d) or "scan_log" in repr(d) or "paper_excuse" in repr(d)
    ]
    assert ours == []


def test_badges_cli_writes_pdf_and_html(tmp_path):
    env = {
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
        "EVENTAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "EVENTAPP_SECRET_KEY": "cli-secret",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [EVENTAPP, "demo", "--no-serve", "--date", "2024-08-04"], env=env, check=True, capture_output=True, timeout=60
    )
    pdf = tmp_path / "badges.pdf"
    out = subprocess.run(
        [EVENTAPP, "badges", "--out", str(pdf)], env=env, check=True, capture_output=True, text=True, timeout=60
    )
    reader = PdfReader(pdf)
    n = int(out.stdout.split()[0])
    assert len(reader.pages) == (n + 3) // 4  # four badges a page
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Hao Chen" in text and "Desk code" in text and "ORGANIZER" in text
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm) == 210  # A4
    html = tmp_path / "badges.html"
    subprocess.run([EVENTAPP, "badges", "--out", str(html)], env=env, check=True, capture_output=True, timeout=60)
    text = html.read_text()
    assert "Hao Chen" in text and "<svg" in text
    bad = subprocess.run([EVENTAPP, "badges", "--out", str(tmp_path / "x.txt")], env=env, capture_output=True)
    assert bad.returncode != 0
