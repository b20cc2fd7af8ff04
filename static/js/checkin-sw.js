// Keeps the scanner page and its scripts on the phone, so a reload during a network outage still opens the
// scanner (the roster and the queue live in localStorage). Network first: online, the page is always fresh.
// Served as /checkin/sw.js so its scope covers /checkin/. Never touches the API. Everything the scanner needs is
// precached on the first load (the decoder too: without it the camera reads nothing), and again on the page's
// "precache" message (sent when the network comes back) for whatever an outage kept from the cache.
const CACHE = "checkin-scanner-v2";
const PAGE = "/checkin/scan";
const ASSETS = [
  PAGE,
  "/static/css/app.css",
  "/static/css/checkin.css",
  "/static/js/checkin-scanner.js",
  "/static/js/api.js", // imported by the scanner
  "/checkin/decoder.js", // a worker outside /checkin/ would not be served from here offline
  "/static/vendor/jsqr/jsQR.js",
  "/static/favicon.svg",
];

function fillCache() {
  return caches.open(CACHE).then((cache) =>
    Promise.all(ASSETS.map((url) => cache.match(url).then((hit) => hit || cache.add(url)).catch(() => undefined))),
  );
}

self.addEventListener("message", (event) => {
  if (event.data === "precache") event.waitUntil(fillCache());
});

self.addEventListener("install", (event) => {
  event.waitUntil(
    fillCache().then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const key = url.pathname === PAGE ? PAGE : url.pathname;
  if (!ASSETS.includes(key)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});
