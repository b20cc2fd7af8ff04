// Keeps the scanner page and its scripts on the phone, so a reload during a network outage still opens the
// scanner (the roster and the queue live in localStorage). Network first: online, the page is always fresh.
// Served as /checkin/sw.js so its scope covers /checkin/. Never touches the API.
const CACHE = "checkin-scanner-v1";
const PAGE = "/checkin/scan";
const ASSETS = [
  PAGE,
  "/static/css/app.css",
  "/static/css/checkin.css",
  "/static/js/checkin-scanner.js",
  "/checkin/decoder.js", // a worker outside /checkin/ would not be served from here offline
  "/static/vendor/jsqr/jsQR.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
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
