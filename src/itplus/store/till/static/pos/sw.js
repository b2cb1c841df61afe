// The till's service worker, served at /pos/sw.js (scope /pos/): keeps the till page, its
// modules and styles in the browser so the till opens without the server. Network first
// (a new version of the till reaches the tills at once), the cached copy when the
// server does not answer. The API is never cached: the till handles it (pos/offline.js).
const CACHE = "itplus-pos-v1";
const PAGE = "/pos/";
const ASSETS = [
  "/static/itplus/site.css",
  "/static/pos/till.css",
  "/static/pos/pos.js",
  "/static/pos/api.js",
  "/static/pos/messages.js",
  "/static/pos/ticket.js",
  "/static/pos/numbers.js",
  "/static/pos/customer.js",
  "/static/pos/cash.js",
  "/static/pos/returns.js",
  "/static/pos/account.js",
  "/static/pos/offline.js",
];
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all([PAGE, ...ASSETS].map((url) => refresh(cache, new Request(url)).catch(() => null)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** Fetch and keep a good answer (not a redirect to the login page, not an error). */
async function refresh(cache, request, key = request) {
  const response = await fetch(request);
  if (response.ok && !response.redirected && response.type === "basic") await cache.put(key, response.clone());
  return response;
}

function withDeadline(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    return await withDeadline(refresh(cache, request, key), NETWORK_WAIT_MS);
  } catch {
    const cached = await cache.match(key, { ignoreSearch: true });
    if (cached) return cached;
    return new Response("Sin conexión con el servidor.", {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
