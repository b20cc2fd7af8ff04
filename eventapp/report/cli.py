"""`eventapp report --out FILE` (.pdf, .html, .csv, .json) and `eventapp certificates --out FILE.pdf`."""

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
        help="report.pdf (publication chair, records), report.html, report.csv (one row per paper) or report.json.",
    )
    def report(out: Path) -> None:
        """The day's report: the presentation record of every accepted paper, timing, arrivals, Q&A."""
        from ..cli import app_context, fail
        from ..errors import ApiError
        from . import render, service

        suffix = out.suffix.lower()
        if suffix not in render.FORMATS:
            raise click.BadParameter("the file must end in .pdf, .html, .csv or .json", param_hint="--out")
        with app_context() as app:
            try:
                data = service.report(None, suffix.lstrip("."))
            except ApiError as err:  # no event loaded yet
                fail(err.message)
            if suffix == ".pdf":
                from . import pdf

                out.write_bytes(pdf.report_pdf(data))
            elif suffix == ".csv":
                out.write_text(render.to_csv(data), encoding="utf-8", newline="")
            elif suffix == ".json":
                out.write_text(render.to_json(data), encoding="utf-8")
            else:
                out.write_text(render.standalone_html(app, data), encoding="utf-8")
        counts = ", ".join(f"{v} {k}" for k, v in data["summary"].items() if v)
        click.echo(f"{len(data['papers'])} papers ({counts or 'none'}) written to {out}")

    @group.command()
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="certificates.pdf: one page per certificate.",
    )
    @click.option("--kind", type=click.Choice(["all", "attendance", "presentation"]), default="all", show_default=True)
    @click.option("--person", "person_id", type=int, default=None, help="Only this person's (their id).")
    def certificates(out: Path, kind: str, person_id: int | None) -> None:
        """Certificates of attendance (each person checked in) and presentation (each presented paper)."""
        from ..cli import app_context, fail
        from ..errors import ApiError
        from . import certificates as certs

        if out.suffix.lower() != ".pdf":
            raise click.BadParameter("the file must end in .pdf", param_hint="--out")
        with app_context():
            try:
                data, count = certs.pdf_for(kind, person_id)
            except ApiError as err:
                fail(err.message)
        out.write_bytes(data)
        click.echo(f"{count} certificates written to {out}")
