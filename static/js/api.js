// THE one way a page script talks HTTP to the server: JSON in and out, the page's CSRF token on writes, a timeout,
// and every answer (an error's {"error", "message"}, a 503's Retry-After, a 409 "stale" with its snapshot, no
// answer at all) read into one result shape. The scanner imports it too: checkin-sw.js precaches this file.

export const TIMEOUT_MS = 10000;

/** The CSRF token base.html puts in `<meta name="csrf-token">` ("" on a page without one). */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

/**
 * fetch(method, url) with a JSON body (if given); never throws. Resolves to
 *   { ok, status, body, error, message, retryAfter, snapshot, json, text }
 * - status 0: no answer; error "network" or "timeout".
 * - body: the parsed JSON object ({} when the answer was not JSON; json says which); text: the raw answer.
 * - error / message: the server's {"error", "message"} (e.g. "database_unavailable", "stale"); null / "" when ok.
 * - retryAfter: seconds to wait (the Retry-After header, else the body's retry_after), or null.
 * - snapshot: the body's snapshot (a 409 "stale" carries the current state), or null.
 * Options: timeoutMs, accept (the Accept header, e.g. "text/html" for a server-rendered fragment), cache.
 */
export async function api(method, url, body, { timeoutMs = TIMEOUT_MS, accept = "application/json", cache } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = csrfToken();
  if (token && method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = token;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(cache ? { cache } : {}),
    });
  } catch (err) {
    const timedOut = err?.name === "TimeoutError";
    return {
      ok: false, status: 0, body: {}, json: false, text: "",
      error: timedOut ? "timeout" : "network",
      message: timedOut ? "The server did not answer in time." : "No connection. Try again in a moment.",
      retryAfter: null, snapshot: null,
    };
  }
  const text = await response.text().catch(() => "");
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    /* not JSON: an HTML fragment, or a proxy's or captive portal's page */
  }
  const json = data !== null && typeof data === "object";
  const parsed = json ? data : {};
  const retry = Number(response.headers.get("Retry-After") ?? parsed.retry_after);
  return {
    ok: response.ok,
    status: response.status,
    body: parsed,
    json,
    text,
    error: response.ok ? null : parsed.error || (json ? `http_${response.status}` : "not_json"),
    message: parsed.message || (response.ok ? "" : "That did not work."),
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    snapshot: parsed.snapshot ?? null,
  };
}
