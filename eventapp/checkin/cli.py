"""`eventapp badges --out FILE(.pdf|.html)`: every person's badge, ready to print (four A6 on A4)."""

from __future__ import annotations

from pathlib import Path

import click


def register(group: click.Group) -> None:
    @group.command()
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="badges.pdf (vector, 4 A6 per A4 page) or badges.html (print from a browser).",
    )
    def badges(out: Path) -> None:
        """Print-ready badges for every person (remote people too: they may still come)."""
        from flask import render_template

        from ..cli import app_context
        from ..paths import resource_dir
        from ..program.service import load_event
        from ..qr import qr_svg
        from . import badges as badge_list
        from . import pdf

        suffix = out.suffix.lower()
        if suffix not in (".pdf", ".html", ".htm"):
            raise click.BadParameter("the file must end in .pdf or .html", param_hint="--out")
        with app_context() as app:
            items = badge_list.badges()
            event = load_event()
            if suffix == ".pdf":
                name = (event.short_name or event.name) if event else ""
                note = "Demo badge (synthetic data)" if event and event.synthetic else ""
                faces = [
                    pdf.BadgeFace(
                        b.name,
                        b.affiliation,
                        " · ".join(b.roles),
                        " ".join(p for p, _ in b.papers),
                        b.code,
                        b.short_code,
                        name,
                        note,
                    )
                    for b in items
                ]
                out.write_bytes(pdf.badges_pdf(faces))
            else:
                with app.test_request_context("/checkin/badges"):
                    # Our own stylesheet, inlined so the file prints on its own (nothing from the user in it).
                    css = (resource_dir("static") / "css" / "badges.css").read_text(encoding="utf-8")
                    html = render_template(
                        "checkin/badges.html",
                        badges=items,
                        standalone=True,
                        badge_css=css,
                        qrs={b.person_id: qr_svg(b.code, border=0) for b in items},
                    )
                out.write_text(html, encoding="utf-8")
        click.echo(f"{len(items)} badges written to {out}")
