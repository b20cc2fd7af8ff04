"""The local CA's certificate for phones to install, the "set up a door phone" sheet, and the advice the staff
page shows (no camera on plain HTTP; how to trust the laptop)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for

from .. import schemas
from ..auth import StaffLink, allows, require_staff_page
from ..errors import ApiError
from . import advice, certs, store
from .landing import CA_MIME, ca_download

bp = Blueprint("tls", __name__)

STAFF_LINKS = (StaffLink("Set up a door phone", "tls.door_phone", ("volunteer",)),)


def _local_ca_pem() -> bytes | None:
    if current_app.config["TLS_MODE"] != "local-ca":
        return None
    return store.ca_pem(current_app.config["INSTANCE_PATH"])


@bp.get("/tls/ca.<any(crt, pem):form>")
@allows("anyone")
@schemas.answers(media=CA_MIME)
def ca_certificate(form: str):
    """Public, like any CA certificate: DER (.crt) for iOS and Android, PEM for the rest."""
    pem = _local_ca_pem()
    if pem is None:
        raise ApiError(404, "no_local_ca", "This server does not use a local certificate authority.")
    body, headers = ca_download(pem, form)
    return Response(body, headers=headers)


@bp.app_template_global()
def tls_advice() -> dict:
    """For staff pages: plain-HTTP warning (the public address or this page's), and the local CA's links."""
    config = current_app.config
    base = config["BASE_URL"]
    insecure = [u for u in (base, request.host_url) if advice.insecure_for_phones(u)]
    pem = _local_ca_pem()
    trust = advice.trust_url(base, config["TLS_MODE"], config["TLS_LANDING_PORT"])
    return {
        "insecure_url": insecure[0].rstrip("/") if insecure else None,
        "trust_url": trust if pem else None,
        "fingerprint": certs.fingerprint(pem) if pem else "",
        "https": base.startswith("https://"),
        "scanner_url": base + url_for("checkin.scanner"),
    }


@bp.get("/staff/door-phone")
@allows("signed-in staff")
@require_staff_page
def door_phone():
    """One printable page: trust the laptop, sign in, open the scanner."""
    return render_template(
        "tls/door_phone.html",
        ca_crt_url=url_for("tls.ca_certificate", form="crt"),
        ca_pem_url=url_for("tls.ca_certificate", form="pem"),
    )
