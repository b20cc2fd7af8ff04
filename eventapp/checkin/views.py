"""Check-in HTTP: the scan API, coverage, badges, walk-ins, exports, and the scanner, board and desk pages."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory, url_for

from .. import schemas
from ..auth import StaffLink, allows, check_role, current_principal, require_role, require_staff_page
from ..qr import qr_svg
from . import acts, badges, exports, logbook, roster, scan, search
from .board import coverage_payload
from .schemas import (
    CheckinBadge,
    CheckinLog,
    CheckinRoster,
    CheckinSearchAnswer,
    CheckinUndone,
    CoverageBoard,
    CoveragePaper,
    OptionalReasonBody,
    ReasonBody,
    ScanAnswer,
    ScanBody,
    SearchQuery,
    WalkinAnswer,
    WalkinBody,
)

bp = Blueprint("checkin", __name__)

STAFF_LINKS = (
    StaffLink("Scanner", "checkin.scanner", ("volunteer",)),
    StaffLink("Coverage board", "checkin.board", ("chair",)),
    StaffLink("Check-in desk", "checkin.desk", ("organizer",)),
    StaffLink("Badges", "checkin.badge_sheet", ("organizer",)),
)


def _reason() -> str:
    """The body's reason, required (the views declare ReasonBody, which refuses a missing or blank one)."""
    return schemas.body().reason or ""


def _optional_reason() -> str:
    """Taking an excuse back: the reason may be left out, and an absent body counts as {}."""
    data = request.get_json(silent=True)
    return schemas.validate(schemas.declared("body"), {} if data is None else data).reason or ""


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- API ------------------------------------------------------------------------------------------------


@bp.post("/api/v1/checkins")
@require_role("volunteer")
@schemas.accepts(body=ScanBody)
@schemas.answers(ScanAnswer, status=(200, 201))
def checkin_api():
    principal = current_principal()
    req = scan.scan_request(schemas.body(), principal)
    outcome = scan.record_scan(principal, req)
    return jsonify(outcome.body), outcome.status


@bp.post("/api/v1/checkins/<int:checkin_id>/undo")
@require_role("organizer")
@schemas.accepts(body=ReasonBody)
@schemas.answers(CheckinUndone)
def undo_api(checkin_id: int):
    return jsonify(acts.undo_checkin(current_principal(), checkin_id, _reason()))


@bp.get("/api/v1/coverage")
@require_role("chair")
@schemas.answers(CoverageBoard)
def coverage_api():
    principal = current_principal()
    rooms = principal.room_ids if principal.role == "chair" else None
    return jsonify(coverage_payload(rooms))


@bp.put("/api/v1/coverage/<paper_id>/excuse")
@require_role("organizer")
@schemas.accepts(body=ReasonBody)
@schemas.answers(CoveragePaper)
def excuse_api(paper_id: str):
    return jsonify(acts.set_excuse(current_principal(), paper_id, _reason()))


@bp.delete("/api/v1/coverage/<paper_id>/excuse")
@require_role("organizer")
@schemas.accepts(body=OptionalReasonBody)
@schemas.answers(CoveragePaper)
def unexcuse_api(paper_id: str):
    return jsonify(acts.clear_excuse(current_principal(), paper_id, _optional_reason()))


@bp.get("/api/v1/coverage.csv")
@require_role("organizer")
@schemas.answers(media="text/csv")
def coverage_csv():
    return _csv(exports.coverage_csv(), "coverage.csv")


@bp.get("/api/v1/attendance.csv")
@require_role("organizer")
@schemas.answers(media="text/csv")
def attendance_csv():
    return _csv(exports.attendance_csv(), "attendance.csv")


@bp.get("/api/v1/badges.csv")
@require_role("organizer")
@schemas.answers(media="text/csv")
def badges_csv():
    return _csv(exports.badges_csv(), "badges.csv")


@bp.get("/api/v1/badges/<int:person_id>.svg")
@require_role("organizer")
@schemas.answers(media="image/svg+xml")
def badge_svg(person_id: int):
    badge = badges.get_badge(person_id)
    # The nested QR takes its size from the outer <svg> element: drop its own width and height in mm.
    qr = re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", qr_svg(badge.code, border=0))
    body = render_template("checkin/badge.svg", badge=badge, qr=qr)
    return Response(
        body, mimetype="image/svg+xml", headers={"Content-Disposition": f'inline; filename="badge-{person_id}.svg"'}
    )


@bp.post("/api/v1/badges/<int:person_id>/reissue")
@require_role("organizer")
@schemas.accepts(body=ReasonBody)
@schemas.answers(CheckinBadge)
def reissue_api(person_id: int):
    badge = acts.reissue_badge(current_principal(), person_id, _reason())
    return jsonify(badge.to_row())


@bp.post("/api/v1/checkin/walkins")
@require_role("organizer")
@schemas.accepts(body=WalkinBody)
@schemas.answers(WalkinAnswer, status=201)
def walkin_api():
    result = acts.add_walkin(current_principal(), schemas.body())
    result["badge_url"] = url_for("checkin.badge_page", person_id=result["badge"]["person_id"])
    return jsonify(result), 201


@bp.get("/api/v1/checkin/roster")
@require_role("volunteer")
@schemas.answers(CheckinRoster)
def roster_api():
    return jsonify(roster.roster())


@bp.get("/api/v1/checkin/search")
@require_role("volunteer")
@schemas.accepts(query=SearchQuery)
@schemas.answers(CheckinSearchAnswer)
def search_api():
    return jsonify({"people": search.search(schemas.query().q)})


@bp.get("/api/v1/checkin/log")
@require_role("organizer")
@schemas.answers(CheckinLog)
def log_api():
    return jsonify({"scans": logbook.scan_log(), "audit": logbook.audit_log()})


# --- pages ----------------------------------------------------------------------------------------------


@bp.get("/checkin/scan")
@require_staff_page
@allows("signed-in volunteer or organizer (not signed in: sent to sign in)")
def scanner():
    check_role(current_principal(), "volunteer")
    return render_template("checkin/scanner.html")


@bp.get("/checkin/sw.js")
@allows("anyone")
@schemas.answers(media="text/javascript")
def service_worker():
    """The scanner's service worker, served under /checkin/ so its scope covers the scanner page."""
    response = send_from_directory(current_app.static_folder, "js/checkin-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/checkin/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/checkin/decoder.js")
@allows("anyone")
@schemas.answers(media="text/javascript")
def decoder_worker():
    """The scanner's QR decoder worker, served under /checkin/ too: a worker belongs to the service worker whose
    scope holds the worker's own URL, so only from here do it and its jsQR load from the cache offline."""
    return send_from_directory(
        current_app.static_folder, "js/checkin-decoder.js", mimetype="text/javascript", max_age=0
    )


@bp.get("/checkin/board")
@require_staff_page
@allows("signed-in chair or organizer (not signed in: sent to sign in)")
def board():
    principal = current_principal()
    check_role(principal, "chair")
    return render_template("checkin/board.html")


@bp.get("/checkin/desk")
@require_staff_page
@allows("signed-in organizer (not signed in: sent to sign in)")
def desk():
    check_role(current_principal(), "organizer")
    return render_template("checkin/desk.html", scans=logbook.scan_log(100), audit=logbook.audit_log(50))


@bp.get("/checkin/badges")
@require_staff_page
@allows("signed-in organizer (not signed in: sent to sign in)")
def badge_sheet():
    check_role(current_principal(), "organizer")
    items = badges.badges()
    return render_template(
        "checkin/badges.html", badges=items, qrs={b.person_id: qr_svg(b.code, border=0) for b in items}
    )


@bp.get("/checkin/badges/<int:person_id>")
@require_staff_page
@allows("signed-in organizer (not signed in: sent to sign in)")
def badge_page(person_id: int):
    check_role(current_principal(), "organizer")
    badge = badges.get_badge(person_id)
    return render_template(
        "checkin/badges.html", badges=[badge], qrs={badge.person_id: qr_svg(badge.code, border=0)}, single=True
    )
