// The volunteer's scanner: camera decoding off the main thread (BarcodeDetector, else jsQR in a worker),
// a result readable at a glance (colour + words), a keyboard-wedge mode, manual search, and offline scanning
// against a roster of code hashes with a queue that replays by itself when the server is back.
import { api } from "/static/js/api.js"; // precached by checkin-sw.js: the scanner opens offline

const root = document.getElementById("scanner");
const $ = (sel) => root.querySelector(sel);
const DEVICE = root.dataset.device;
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
const manualBox = $("[data-manual-result]");
// One 24-hour clock in the event's zone, whatever zone this phone is set to.
const CLOCK = new Intl.DateTimeFormat("en-GB", {
  timeZone: root.dataset.timezone || undefined, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

let offline = navigator.onLine === false;
let decoderState = "loading"; // loading | ready | failed (see setupDecoder)
let cameraCode = ""; // the camera's last read and when it was sent: a badge held in view is read many times
let cameraAt = 0;
let handAt = 0; // when a code was last typed (USB scanner) or a person checked in from the search
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

// What the big box says between results: a decoder that cannot run, then offline, then ready. Never silent.
function idleText() {
  if (decoderState === "failed") {
    return ["✗ The QR decoder did not load", "The camera cannot read badges yet (no network when this page opened?). Retrying by itself; meanwhile use the search below."];
  }
  if (offline) return ["Offline: scanning goes on; the phone will sync.", queue.length ? `${queue.length} waiting to be sent.` : ""];
  if (decoderState === "loading" && root.dataset.camera === "on") return ["Loading the QR decoder…", ""];
  return ["Ready: point the camera at a badge.", ""];
}

function renderIdle() {
  if (resultBox.dataset.result !== "idle" && resultBox.dataset.result !== "problem") return; // a result is showing
  const [head, detail] = idleText();
  resultBox.dataset.result = decoderState === "failed" ? "problem" : "idle";
  resultHead.textContent = head;
  resultDetail.textContent = detail;
}

function clearLater(ms = CLEAR_MS) {
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => {
    resultBox.dataset.result = "idle";
    renderIdle();
  }, ms);
}

function show(kind, head, detail = "", { nonce = null, manual = false } = {}) {
  if (TIMING && pendingTiming && kind === "ok") timings.push({ ...pendingTiming, shown: performance.now(), head });
  pendingTiming = null;
  resultBox.dataset.result = kind; // ok | already | refused | idle | problem
  resultHead.textContent = head;
  resultDetail.textContent = detail;
  beep(kind === "ok" ? "ok" : kind === "already" ? "already" : "refused");
  clearLater();
  if (manual && manualBox) {
    // A check-in from the search: its result stays beside the search, in view, until the next action.
    manualBox.hidden = false;
    manualBox.dataset.result = kind;
    manualBox.textContent = `${head}${detail ? " · " + detail : ""}`;
    manualBox.scrollIntoView({ block: "nearest" });
  }
  const li = document.createElement("li");
  li.dataset.kind = kind;
  if (nonce) li.dataset.nonce = nonce;
  li.dataset.text = `${head}${detail ? " · " + detail : ""}`;
  li.textContent = `${CLOCK.format(new Date())} · ${li.dataset.text}`;
  recent.prepend(li);
  while (recent.children.length > 10) recent.lastChild.remove();
}

function clearManual() {
  if (!manualBox) return;
  manualBox.hidden = true;
  manualBox.textContent = "";
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

function showAnswer(status, body, opts = {}) {
  if (status === 201 || status === 200) {
    const name = body.person?.name || "?";
    const talk = presents(body.papers);
    if (body.result === "ok") {
      show("ok", `✓ Welcome, ${name}`, talk ? `Presents ${talk}` : body.person?.affiliation || "", opts);
    } else {
      show("already", `! Already checked in: ${name}`, `at ${body.checked_in_hhmm} at ${body.device}`, opts);
    }
  } else {
    const message = body?.message || "Not accepted.";
    show("refused", "✗ Not accepted", message, opts);
  }
}

function setOffline(value) {
  if (offline && !value) precache(); // back online: fill in what an outage kept from the offline cache
  offline = value;
  renderNet();
}
function renderNet() {
  const waiting = queue.length;
  net.dataset.state = offline ? "offline" : waiting ? "syncing" : "online";
  net.textContent = offline ? `offline · ${waiting} waiting` : waiting ? `syncing · ${waiting} waiting` : "online";
  renderIdle(); // the pill and the big box always say the same
}

/** A queued scan the server has now answered: its line in the recent list says what became of it. */
function markSent(nonce, status, body) {
  const li = recent.querySelector(`li[data-nonce="${CSS.escape(nonce)}"]`);
  if (!li) return;
  const base = (li.dataset.text || "").replace(/ · offline · will sync/, "").replace(/offline · will sync · /, "");
  const at = li.textContent.slice(0, 5);
  if (status === 200 || status === 201) {
    li.dataset.kind = body.result === "ok" ? "ok" : "already";
    li.textContent = `${at} · ${base} · sent${body.result === "ok" ? "" : " (already checked in)"}`;
  } else {
    li.dataset.kind = "refused";
    li.textContent = `${at} · ${base} · refused when sent: ${body?.message || "not accepted"}`;
  }
}

// --- talking to the server --------------------------------------------------------------------------------

async function post(payload) {
  const res = await api("POST", root.dataset.checkinUrl, payload, { timeoutMs: REQUEST_TIMEOUT_MS });
  // No answer, a 5xx (503 database_unavailable too) or a captive portal's or proxy's page: treat as offline.
  if (res.status === 0 || res.status >= 500 || !res.json) throw new Error(res.error);
  return { status: res.status, body: res.body };
}

async function submit(item, opts = {}) {
  if (offline) return offlineScan(item, opts);
  try {
    const { status, body } = await post(item);
    showAnswer(status, body, opts);
    if (status === 201 && roster) markSeen(item);
  } catch {
    setOffline(true);
    await offlineScan(item, opts);
  }
}

async function markSeen(item) {
  const key = item.code ? await rosterHash(item.code) : `p${item.person_id}`;
  seen.add(key);
  save(SEEN_KEY, [...seen]);
}

async function offlineScan(item, opts = {}) {
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
    show("refused", "✗ Not on this phone's list", "Offline: send the person to the desk.", opts);
    return;
  }
  queue.push({ ...item, offline: true });
  save(QUEUE_KEY, queue);
  renderNet();
  const mark = { ...opts, nonce: item.nonce };
  if (person.checked_in || seen.has(key)) {
    show("already", `! Already checked in: ${person.name}`, "offline · will sync", mark);
  } else {
    seen.add(key);
    save(SEEN_KEY, [...seen]);
    show("ok", `✓ Welcome, ${person.name}`, `offline · will sync${person.papers?.length ? " · presents " + presents(person.papers) : ""}`, mark);
  }
}

let replaying = false;
async function replay() {
  if (replaying || !queue.length) {
    if (!queue.length && offline) await probe();
    return;
  }
  replaying = true;
  const sent = { ok: 0, already: 0, refused: 0 };
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
      const { status, body } = answer;
      sent[status === 201 || status === 200 ? (body.result === "ok" ? "ok" : "already") : "refused"] += 1;
      markSent(item.nonce, status, body);
      renderNet();
    }
    setOffline(false);
    refreshRoster();
  } finally {
    replaying = false;
    const n = sent.ok + sent.already + sent.refused;
    if (n) announceSync(n, sent);
  }
}

/** "3 offline scans sent": the big box confirms what the pill shows, and says what the server made of them. */
function announceSync(n, sent) {
  const parts = [];
  if (sent.ok) parts.push(`${sent.ok} checked in`);
  if (sent.already) parts.push(`${sent.already} already checked in`);
  if (sent.refused) parts.push(`${sent.refused} refused (see the list below)`);
  const head = `✓ ${n} offline scan${n === 1 ? "" : "s"} sent`;
  const detail = `${parts.join(", ")}${queue.length ? ` · ${queue.length} still waiting` : ""}.`;
  resultBox.dataset.result = sent.refused ? "already" : "ok";
  resultHead.textContent = head;
  resultDetail.textContent = detail;
  clearLater(6000);
  const li = document.createElement("li"); // the list keeps it after the next scan has taken the big box
  li.dataset.kind = "sync";
  li.textContent = `${CLOCK.format(new Date())} · ${head} · ${detail}`;
  recent.prepend(li);
}

async function probe() {
  const res = await api("GET", "/healthz", undefined, { timeoutMs: REQUEST_TIMEOUT_MS, cache: "no-store" });
  if (res.ok) {
    setOffline(false);
    refreshRoster();
  } // else still offline
}

async function refreshRoster() {
  const res = await api("GET", root.dataset.rosterUrl, undefined, { timeoutMs: 8000 });
  if (!res.ok || !Array.isArray(res.body.people)) return; // keep the last roster
  roster = res.body;
  save(ROSTER_KEY, roster);
  root.dataset.roster = String(roster.people.length);
}

setInterval(replay, REPLAY_MS);
setInterval(() => offline || refreshRoster(), 5 * 60 * 1000); // walk-ins and reissued badges reach the phone
window.addEventListener("online", replay);
window.addEventListener("online", () => decoderState === "failed" && setupDecoder());
window.addEventListener("offline", () => setOffline(true));

// --- input: camera, wedge, manual ---------------------------------------------------------------------

// A code from the camera or, byHand, from a USB scanner. The camera sends a badge held in view once every
// SAME_CODE_MS, and holds it back for as long after a result by hand, so that result is read before a repeat
// takes the box. A new badge in view, or a code by hand, is the next action: it clears the search's result.
function handleCode(text, { byHand = false } = {}) {
  const code = (text || "").trim().toUpperCase();
  if (!code) return false;
  const now = Date.now();
  if (byHand) {
    handAt = now;
    clearManual();
  } else {
    if (code === cameraCode && (now - cameraAt < SAME_CODE_MS || now - handAt < SAME_CODE_MS)) return false;
    if (code !== cameraCode) clearManual();
    cameraCode = code;
    cameraAt = now;
  }
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

// The decoder is loaded as the page opens (not when the camera starts), so a network that drops a moment later
// does not leave a camera with nothing to read it; the service worker keeps it for the next offline open. If it
// cannot load, the big box says so and it is tried again every few seconds and as soon as the network is back.
let decoderLoading = null;
let pageDecoder = false;
const DECODER_RETRY_MS = 3000;
const DECODER_LOAD_MS = 8000;
const DECODE_TIMEOUT_MS = 4000;

function setupDecoder() {
  if (detector || worker || pageDecoder) return Promise.resolve(true);
  decoderLoading = decoderLoading || loadDecoder().finally(() => { decoderLoading = null; });
  return decoderLoading;
}

async function loadDecoder() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        root.dataset.decoder = "native";
        setDecoderState("ready");
        return true;
      }
    } catch {
      /* fall back to the worker */
    }
  }
  const loaded = await startWorker();
  if (loaded) {
    worker = loaded;
    root.dataset.decoder = "jsqr-worker";
  } else if (await loadPageDecoder()) {
    // Chromium opens no worker offline, even from the service worker's cache: decode on the page instead.
    pageDecoder = true;
    root.dataset.decoder = "jsqr-page";
  } else {
    setDecoderState("failed");
    setTimeout(setupDecoder, DECODER_RETRY_MS);
    return false;
  }
  setDecoderState("ready");
  return true;
}

/** jsQR on the page itself (a classic script from the same origin, so the service worker can serve it). */
function loadPageDecoder() {
  if (window.jsQR) return Promise.resolve(true);
  return new Promise((resolve) => {
    const el = document.createElement("script");
    el.src = root.dataset.jsqrUrl;
    el.onload = () => resolve(typeof window.jsQR === "function");
    el.onerror = () => {
      el.remove();
      resolve(false);
    };
    document.head.append(el);
  });
}

let pageCanvas = null;
function decodeOnPage() {
  const scale = Math.min(1, 480 / (video.videoWidth || 480));
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  pageCanvas = pageCanvas || document.createElement("canvas");
  if (pageCanvas.width !== width || pageCanvas.height !== height) Object.assign(pageCanvas, { width, height });
  const ctx = pageCanvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, width, height);
  const found = window.jsQR(ctx.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: "dontInvert" });
  return found ? found.data : null;
}

/** A decoder worker that said it is ready (jsQR loaded in it), or null if it could not start. */
function startWorker() {
  return new Promise((resolve) => {
    let w;
    try {
      w = new Worker(root.dataset.workerUrl);
    } catch {
      resolve(null);
      return;
    }
    const fail = () => {
      clearTimeout(timer);
      w.terminate();
      resolve(null);
    };
    const timer = setTimeout(fail, DECODER_LOAD_MS);
    w.onerror = (e) => {
      e.preventDefault?.();
      fail();
    };
    w.onmessage = (e) => {
      if (!e.data || !e.data.ready) return;
      clearTimeout(timer);
      w.onerror = () => dropWorker();
      resolve(w);
    };
  });
}

function dropWorker() {
  if (worker) worker.terminate();
  worker = null;
  setDecoderState("failed");
  setTimeout(setupDecoder, DECODER_RETRY_MS);
}

function setDecoderState(state) {
  decoderState = state;
  root.dataset.decoderState = state;
  if (state === "ready" && resultBox.dataset.result === "problem") resultBox.dataset.result = "idle";
  renderIdle();
  if (state === "ready") {
    scheduleFrame();
    precache(); // the decoder loaded from the network: the service worker keeps it for an offline open
  }
}

let frameWaiting = false; // one frame loop at a time (the camera and the decoder each start it)
function scheduleFrame() {
  if (!stream || frameWaiting) return;
  frameWaiting = true;
  const run = () => {
    frameWaiting = false;
    decodeFrame();
  };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(run);
  else setTimeout(run, 80);
}

async function decodeFrame() {
  if (!stream) return;
  if (!detector && !worker && !pageDecoder) return; // the decoder is not there yet: setDecoderState("ready") starts the frames
  if (busy || video.readyState < 2 || document.hidden) return scheduleFrame();
  busy = true;
  const capturedAt = performance.now();
  try {
    let text = null;
    if (detector) {
      const codes = await detector.detect(video);
      text = codes.length ? codes[0].rawValue : null;
    } else if (pageDecoder) {
      text = decodeOnPage();
      await new Promise((r) => setTimeout(r, 100)); // leave the page time to breathe between frames
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
  const w = worker;
  return new Promise((resolve) => {
    // A worker that stops answering must not hold the camera loop forever: drop it and load a new one.
    const timer = setTimeout(() => {
      if (worker === w) dropWorker();
      resolve(null);
    }, DECODE_TIMEOUT_MS);
    w.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data.text ?? null);
    };
    createImageBitmap(video, { resizeWidth: width, resizeHeight: height }).then(
      (bitmap) => w.postMessage({ bitmap, width, height }, [bitmap]),
      () => {
        clearTimeout(timer);
        resolve(null);
      },
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
  handleCode(value, { byHand: true }); // never deduplicated: a person pressing the trigger again means it
});

// Manual search: by name, paper or desk code; works on the roster when offline.
const searchInput = $("[data-search]");
const results = $("[data-search-results]");
let searchTimer = null;
searchInput.addEventListener("input", () => {
  clearManual();
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
});

async function runSearch() {
  const q = searchInput.value.trim();
  results.replaceChildren();
  if (q.length < 2) return;
  let people = [];
  if (!offline) {
    const res = await api("GET", `${root.dataset.searchUrl}?q=${encodeURIComponent(q)}`, undefined, { timeoutMs: REQUEST_TIMEOUT_MS });
    people = res.ok && Array.isArray(res.body.people) ? res.body.people : localSearch(q);
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
      handAt = Date.now();
      submit({ person_id: p.person_id, nonce: newNonce(), device: DEVICE, scanned_at: new Date().toISOString() },
        { manual: true });
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

// The service worker keeps the page, its scripts and the decoder for an offline open. It caches them as it
// installs; asked again once the network is back, it fills in whatever an outage kept it from caching.
function precache() {
  navigator.serviceWorker?.ready.then((reg) => reg.active?.postMessage("precache")).catch(() => undefined);
}
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).then(precache, () => undefined);
  window.addEventListener("online", precache);
}
renderNet();
refreshRoster();
setupDecoder();
startCamera();
if (queue.length) replay();
