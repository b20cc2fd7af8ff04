"""Report HTTP: the report (organizer; chairs see their rooms), overrides, certificates, and the /report page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from .. import schemas
from ..auth import StaffLink, allows, check_role, current_principal, require_role, require_staff_page
from ..errors import ApiError
from . import certificates, render, service
from .schemas import CertificateQuery, OverrideBody, Report, ReportOverrideAnswer

bp = Blueprint("report", __name__)

STAFF_LINKS = (StaffLink("Day report (presentation record)", "report.page", ("chair",)),)


@bp.get("/api/v1/report")
@require_role("chair")
@schemas.answers(Report)
def report_api():
    return jsonify(service.report(current_principal()))


@bp.put("/api/v1/report/papers/<paper_id>")
@require_role("organizer")
@schemas.answers(ReportOverrideAnswer)
@schemas.accepts(body=OverrideBody)
def override_api(paper_id: str):
    if not isinstance(request.get_json(silent=True), dict):  # the report's own wording for a missing body
        raise ApiError(
            400, "invalid_body", 'Send a JSON object such as {"status": "presented_in_person", "reason": "…"}.'
        )
    override = schemas.body()
    return jsonify(service.override(current_principal(), paper_id, override.status, override.reason))


@bp.get("/api/v1/people/<int:person_id>/certificate.pdf")
@require_role("organizer")
@schemas.answers(media="application/pdf")
@schemas.accepts(query=CertificateQuery)
def certificate_api(person_id: int):
    kind = schemas.query().kind
    pdf = certificates.person_pdf(person_id, kind, current_principal())
    name = f"certificate-{person_id}-{kind}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


def _page_context(*, logged: bool = True):
    principal = current_principal()
    check_role(principal, "chair")
    data = service.report(principal, "page", logged=logged)
    return principal, data


@bp.get("/report")
@allows("signed-in chairs (their rooms) or organizers")
@require_staff_page
def page():
    """The day's report, live during the day (a paper turns presented as its slot ends), printable."""
    principal, data = _page_context()
    return render_template(
        "report/page.html",
        report=data,
        charts=render.svg_charts(data),
        principal=principal,
        organizer=principal.role == "organizer" and not data.get("purged"),
    )


@bp.get("/report/fragment")
@allows("signed-in chairs (their rooms) or organizers")
@require_staff_page
def fragment():
    """The report's body alone: the page swaps it in when the program or the door announces a change."""
    principal, data = _page_context(logged=False)
    return render_template(
        "report/_body.html",
        report=data,
        charts=render.svg_charts(data),
        organizer=principal.role == "organizer" and not data.get("purged"),
    )
