// The volunteer's scanner: camera decoding off the main thread (BarcodeDetector, else jsQR in a worker),
// a result readable at a glance (colour + words), a keyboard-wedge mode, manual search, and offline scanning
// against a roster of code hashes with a queue that replays by itself when the server is back.
const root = document.getElementById("scanner");
const $ = (sel) => root.querySelector(sel);
const DEVICE = root.dataset.device;
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const QUEUE_KEY = "checkin.queue";
const ROSTER_KEY = "checkin.roster";
const SEEN_KEY = "checkin.seen"; // roster hashes / person ids checked in on this phone while offline
const MUTE_KEY = "checkin.muted";
const SAME_CODE_MS = 3000;
const CLEAR_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
const REPLAY_MS = 3000;

// ?timing=1 keeps, for bench/checkin_scanner_bench.py, when each green result's code first appeared and showed.
const TIMING = new URLSearchParams(location.search).has("timing");
const timings = [];
if (TIMING) window.checkinTimings = timings;
let lastMissAt = 0; // capture time of the last frame with no code in it
let pendingTiming = null;

const resultBox = $("[data-result]");
const resultHead = $("[data-result-head]");
const resultDetail = $("[data-result-detail]");
const net = $("[data-net]");
const video = $("[data-video]");
const hint = $("[data-camera-hint]");
const recent = $("[data-recent]");

let offline = navigator.onLine === false;
let lastCode = "";
let lastAt = 0;
let clearTimer = null;
let muted = localStorage.getItem(MUTE_KEY) === "1";
let queue = load(QUEUE_KEY, []);
let roster = load(ROSTER_KEY, null);
let seen = new Set(load(SEEN_KEY, []));

function load(key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(key));
    return v ?? fallback;
  } catch {
    return fallback;
  }
}
function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or blocked: the queue still lives in memory */
  }
}

function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

async function rosterHash(code) {
  const data = new TextEncoder().encode(code.trim().toUpperCase());
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (x) => x.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

// --- feedback ---------------------------------------------------------------------------------------------

let audio = null;
function beep(kind) {
  if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 60 : kind === "already" ? [60, 60, 60] : [200, 80, 200]);
  if (muted) return;
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = kind === "ok" ? 880 : kind === "already" ? 520 : 220;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (kind === "refused" ? 0.35 : 0.12));
  } catch {
    /* no audio on this device */
  }
}

function show(kind, head, detail = "") {
  if (TIMING && pendingTiming && kind === "ok") timings.push({ ...pendingTiming, shown: performance.now(), head });
  pendingTiming = null;
  resultBox.dataset.result = kind; // ok | already | refused | idle
  resultHead.textContent = head;
  resultDetail.textContent = detail;
  beep(kind === "ok" ? "ok" : kind === "already" ? "already" : "refused");
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => {
    resultBox.dataset.result = "idle";
    resultHead.textContent = offline ? "Offline: scanning goes on; the phone will sync." : "Ready: point the camera at a badge.";
    resultDetail.textContent = "";
  }, CLEAR_MS);
  const li = document.createElement("li");
  li.dataset.kind = kind;
  li.textContent = `${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} · ${head}${detail ? " · " + detail : ""}`;
  recent.prepend(li);
  while (recent.children.length > 10) recent.lastChild.remove();
}

// "SnapSeg (L4) at 11:40": a paper's short name (before its colon) when it has one, then its id and time.
function paperLabel(p) {
  if (p.kind === "keynote") return "keynote";
  const short = (p.title || "").split(":")[0].trim();
  return short && short.length <= 24 && short !== p.title ? `${short} (${p.paper_id})` : p.paper_id;
}

function presents(papers) {
  if (!papers || !papers.length) return "";
  return papers.map((p) => `${paperLabel(p)}${p.hhmm ? " at " + p.hhmm : ""}${p.mode === "remote" ? " (remote)" : ""}`).join(", ");
}

function showAnswer(status, body, viaQueue = false) {
  if (status === 201 || status === 200) {
    const name = body.person?.name || "?";
    const talk = presents(body.papers);
    if (body.result === "ok") {
      show("ok", `✓ Welcome, ${name}`, talk ? `Presents ${talk}` : body.person?.affiliation || "");
    } else {
      show("already", `! Already checked in: ${name}`, `at ${body.checked_in_hhmm} at ${body.device}`);
    }
  } else if (!viaQueue) {
    const message = body?.message || "Not accepted.";
    show("refused", "✗ Not accepted", message);
  }
}

function setOffline(value) {
  offline = value;
  renderNet();
}
function renderNet() {
  const waiting = queue.length;
  net.dataset.state = offline ? "offline" : waiting ? "syncing" : "online";
  net.textContent = offline ? `offline · ${waiting} waiting` : waiting ? `syncing · ${waiting} waiting` : "online";
}

// --- talking to the server --------------------------------------------------------------------------------

async function post(payload) {
  const res = await fetch(root.dataset.checkinUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
    body: JSON.stringify(payload),
    credentials: "same-origin",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (res.status >= 500) throw new Error(`server ${res.status}`);
  let body = {};
  try {
    body = await res.json();
  } catch {
    throw new Error("not json"); // a captive portal or proxy page: treat as offline
  }
  return { status: res.status, body };
}

async function submit(item) {
  if (offline) return offlineScan(item);
  try {
    const { status, body } = await post(item);
    showAnswer(status, body);
    if (status === 201 && roster) markSeen(item);
  } catch {
    setOffline(true);
    await offlineScan(item);
  }
}

async function markSeen(item) {
  const key = item.code ? await rosterHash(item.code) : `p${item.person_id}`;
  seen.add(key);
  save(SEEN_KEY, [...seen]);
}

async function offlineScan(item) {
  const people = roster?.people || [];
  let person = null;
  let key = "";
  if (item.code) {
    key = await rosterHash(item.code);
    person = people.find((p) => p.h === key);
  } else {
    person = people.find((p) => p.person_id === item.person_id);
    key = person ? person.h : "";
  }
  if (!person) {
    show("refused", "✗ Not on this phone's list", "Offline: send the person to the desk.");
    return;
  }
  queue.push({ ...item, offline: true });
  save(QUEUE_KEY, queue);
  renderNet();
  if (person.checked_in || seen.has(key)) {
    show("already", `! Already checked in: ${person.name}`, "offline · will sync");
  } else {
    seen.add(key);
    save(SEEN_KEY, [...seen]);
    show("ok", `✓ Welcome, ${person.name}`, `offline · will sync${person.papers?.length ? " · presents " + presents(person.papers) : ""}`);
  }
}

let replaying = false;
async function replay() {
  if (replaying || !queue.length) {
    if (!queue.length && offline) await probe();
    return;
  }
  replaying = true;
  try {
    while (queue.length) {
      const item = queue[0];
      let answer;
      try {
        answer = await post(item);
      } catch {
        setOffline(true);
        return;
      }
      if (answer.status === 429) return; // try again later; nothing is lost
      queue.shift(); // the server answered: recorded (or refused and logged) exactly once by its nonce
      save(QUEUE_KEY, queue);
      renderNet();
    }
    setOffline(false);
    refreshRoster();
  } finally {
    replaying = false;
  }
}

async function probe() {
  try {
    const res = await fetch("/healthz", { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), cache: "no-store" });
    if (res.ok) {
      setOffline(false);
      refreshRoster();
    }
  } catch {
    /* still offline */
  }
}

async function refreshRoster() {
  try {
    const res = await fetch(root.dataset.rosterUrl, { credentials: "same-origin", signal: AbortSignal.timeout(8000) });
    if (!res.ok) return;
    roster = await res.json();
    save(ROSTER_KEY, roster);
    root.dataset.roster = String(roster.people.length);
  } catch {
    /* keep the last roster */
  }
}

setInterval(replay, REPLAY_MS);
setInterval(() => offline || refreshRoster(), 5 * 60 * 1000); // walk-ins and reissued badges reach the phone
window.addEventListener("online", replay);
window.addEventListener("offline", () => setOffline(true));

// --- input: camera, wedge, manual ---------------------------------------------------------------------

function handleCode(text) {
  const code = (text || "").trim().toUpperCase();
  if (!code) return false;
  const now = Date.now();
  if (code === lastCode && now - lastAt < SAME_CODE_MS) return false; // the camera reads a badge many times
  lastCode = code;
  lastAt = now;
  submit({ code, nonce: newNonce(), device: DEVICE, scanned_at: new Date().toISOString() });
  return true;
}

let stream = null;
let track = null;
let cameras = [];
let cameraIndex = -1;
let detector = null;
let worker = null;
let busy = false;

// Why there is no camera, and what the volunteer can do: [cause, sentence]. The cause is also on #scanner
// as data-camera-problem (insecure | unsupported | denied | none | busy | other).
const FALLBACK = "Meanwhile the search below and a USB scanner work.";
function cameraProblem(err) {
  if (!window.isSecureContext) {
    return ["insecure", `No camera: phones only open it on a secure (https) page and this one is plain ${location.protocol.replace(":", "").toUpperCase()} (${location.host}), so there is no offline list either. Ask the organizer for the https address (they serve with --https) and trust the laptop as the door-phone sheet says. ${FALLBACK}`];
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    return ["unsupported", `No camera: this browser does not offer it to pages. Open this page in Chrome or Safari. ${FALLBACK}`];
  }
  const name = err?.name || "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return ["denied", `No camera: permission was denied. Allow it (tap the lock or ⓘ next to the address → Permissions → Camera → Allow; iPhone: Settings → Safari → Camera → Allow), then tap Start camera. ${FALLBACK}`];
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return ["none", `No camera found on this device. Use a phone with a camera. ${FALLBACK}`];
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return ["busy", `No camera: another app or tab is using it. Close that, then tap Start camera. ${FALLBACK}`];
  }
  return ["other", `No camera (${name || "unknown error"}): tap Start camera to try again. ${FALLBACK}`];
}

function noCamera(err) {
  const [cause, sentence] = cameraProblem(err);
  root.dataset.cameraProblem = cause;
  hint.textContent = sentence;
}

async function startCamera(deviceId) {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    noCamera(null);
    return;
  }
  stopCamera();
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: "environment" }, width: { ideal: 1280 } },
    });
  } catch (err) {
    noCamera(err);
    return;
  }
  delete root.dataset.cameraProblem;
  video.srcObject = stream;
  track = stream.getVideoTracks()[0];
  try {
    await video.play();
  } catch {
    /* autoplay is allowed for muted video; ignore */
  }
  hint.textContent = "";
  root.dataset.camera = "on";
  $("[data-start-camera]").textContent = "Restart camera";
  const caps = track.getCapabilities ? track.getCapabilities() : {};
  $("[data-torch]").hidden = !caps.torch;
  cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
  $("[data-switch]").hidden = cameras.length < 2;
  await setupDecoder();
  scheduleFrame();
}

function stopCamera() {
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
}

async function setupDecoder() {
  if (detector || worker) return;
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        root.dataset.decoder = "native";
        return;
      }
    } catch {
      /* fall back to the worker */
    }
  }
  worker = new Worker(root.dataset.workerUrl);
  root.dataset.decoder = "jsqr-worker";
}

function scheduleFrame() {
  if (!stream) return;
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => decodeFrame());
  else setTimeout(decodeFrame, 80);
}

async function decodeFrame() {
  if (!stream) return;
  if (busy || video.readyState < 2 || document.hidden) return scheduleFrame();
  busy = true;
  const capturedAt = performance.now();
  try {
    let text = null;
    if (detector) {
      const codes = await detector.detect(video);
      text = codes.length ? codes[0].rawValue : null;
    } else {
      text = await decodeInWorker();
    }
    if (text) {
      // The code appeared between the last empty frame and this one.
      const decodedAt = performance.now();
      if (handleCode(text) && TIMING && lastMissAt) {
        pendingTiming = { appeared: (lastMissAt + capturedAt) / 2, captured: capturedAt, decoded: decodedAt };
      }
    } else {
      lastMissAt = capturedAt;
    }
  } catch {
    /* a bad frame: try the next one */
  } finally {
    busy = false;
    scheduleFrame();
  }
}

function decodeInWorker() {
  const scale = Math.min(1, 640 / (video.videoWidth || 640));
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  return new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data.text);
    createImageBitmap(video, { resizeWidth: width, resizeHeight: height }).then(
      (bitmap) => worker.postMessage({ bitmap, width, height }, [bitmap]),
      () => resolve(null),
    );
  });
}

$("[data-start-camera]").addEventListener("click", () => startCamera());
$("[data-torch]").addEventListener("click", async (e) => {
  const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
  try {
    await track.applyConstraints({ advanced: [{ torch: on }] });
    e.currentTarget.setAttribute("aria-pressed", String(on));
  } catch {
    /* torch refused */
  }
});
$("[data-switch]").addEventListener("click", () => {
  cameraIndex = (cameraIndex + 1) % cameras.length;
  startCamera(cameras[cameraIndex].deviceId);
});
const muteButton = $("[data-mute]");
function renderMute() {
  muteButton.setAttribute("aria-pressed", String(muted));
  muteButton.textContent = muted ? "Sound off" : "Sound on";
}
muteButton.addEventListener("click", () => {
  muted = !muted;
  localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  renderMute();
});
renderMute();

// Keyboard-wedge scanners type the code and press Enter.
const wedge = $("[data-wedge]");
const wedgeInput = $("[data-wedge-input]");
$("[data-wedge-toggle]").addEventListener("click", (e) => {
  const on = wedge.hidden;
  wedge.hidden = !on;
  e.currentTarget.setAttribute("aria-pressed", String(on));
  if (on) wedgeInput.focus();
});
wedge.addEventListener("submit", (e) => {
  e.preventDefault();
  const value = wedgeInput.value;
  wedgeInput.value = "";
  lastCode = ""; // a person pressing the trigger again means it
  handleCode(value);
});

// Manual search: by name, paper or desk code; works on the roster when offline.
const searchInput = $("[data-search]");
const results = $("[data-search-results]");
let searchTimer = null;
searchInput.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
});

async function runSearch() {
  const q = searchInput.value.trim();
  results.replaceChildren();
  if (q.length < 2) return;
  let people = [];
  if (!offline) {
    try {
      const res = await fetch(`${root.dataset.searchUrl}?q=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (res.ok) people = (await res.json()).people;
      else throw new Error();
    } catch {
      people = localSearch(q);
    }
  } else {
    people = localSearch(q);
  }
  for (const p of people) {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = `${p.name}${p.affiliation ? " · " + p.affiliation : ""}${p.papers?.length ? " · " + presents(p.papers) : ""}`;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = p.checked_in_hhmm ? `Here since ${p.checked_in_hhmm}` : "Check in";
    button.addEventListener("click", () => {
      submit({ person_id: p.person_id, nonce: newNonce(), device: DEVICE, scanned_at: new Date().toISOString() });
      searchInput.value = "";
      results.replaceChildren();
    });
    li.append(label, button);
    results.append(li);
  }
  if (!people.length) {
    const li = document.createElement("li");
    li.textContent = "Nobody found. Send the person to the desk.";
    results.append(li);
  }
}

function localSearch(q) {
  const needle = q.toLowerCase();
  return (roster?.people || [])
    .filter((p) => p.name.toLowerCase().includes(needle) || (p.papers || []).some((x) => (x.paper_id || "").toLowerCase() === needle))
    .slice(0, 20);
}

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).catch(() => undefined);
renderNet();
refreshRoster();
startCamera();
if (queue.length) replay();
