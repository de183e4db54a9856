// Interleave's service worker: cross-origin isolation on a static host that sends no headers.
//
// The web-worker pool shares one WebAssembly memory, which browsers allow only in a cross-origin
// isolated document, and a document is isolated by the headers of its own response. Most static
// hosts (GitHub Pages among them) let nobody set headers, so this worker re-serves the site's own
// responses with them added: the documents' and the workers' scripts', the only responses whose
// headers decide isolation; everything else goes to the network without it. It caches nothing:
// every request still goes to the network (and the browser's HTTP cache) exactly as it would
// without it, so a new deploy is never hidden behind a stale copy. isolate.js, inlined in
// index.html, registers it and reloads the page at most once.
//
// Requests to other origins are left alone: a cross-origin response cannot be given headers here,
// and the page fetches none.
'use strict';

/** The headers that make a document cross-origin isolated and let an isolated page embed it.
 *  COOP/COEP isolate a top-level page; in a frame they isolate only if the embedding page is
 *  isolated too. Document-Isolation-Policy isolates this document on its own (Chromium 137 and
 *  later; others ignore it): measured in Chromium 156, it works when a service worker adds it,
 *  so a lesson in an iframe on a page that sends no headers, itself on a host that sends none,
 *  still gets the pool (docs/embedding.md has the table). */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};

/** Requests whose responses carry the headers: documents (pages and frames: navigations) and
 *  workers' scripts, since a document and a worker each take their isolation from their own
 *  response. Everything else the page loads (its script, the WebAssembly, the data file, the
 *  styles, the companion's answers) is same-origin, which COEP require-corp admits as it is. */
function needsHeaders(request) {
  return (
    request.mode === 'navigate' ||
    request.destination === 'worker' ||
    request.destination === 'sharedworker'
  );
}

/** The static route that keeps those other requests away from this worker altogether
 *  (Chromium 123 and later): the browser fetches them itself, without starting the worker or
 *  waiting for it, so they get what the browser gives its own fetches (its HTTP cache and the
 *  code it compiled from them, kept beside it). Where routes are unknown the fetch handler
 *  below lets them through unanswered, which also leaves them to the browser. */
const STRAIGHT_TO_NETWORK = {
  condition: {
    not: {
      or: [
        { requestMode: 'navigate' },
        { requestDestination: 'worker' },
        { requestDestination: 'sharedworker' },
      ],
    },
  },
  source: 'network',
};

// A new version takes over at once: it only adds headers, so an old page and a new worker agree.
self.addEventListener('install', (event) => {
  if (typeof event.addRoutes === 'function') {
    // A browser that refuses the rule (an older form of the API) still has the fetch handler.
    try {
      event.waitUntil(event.addRoutes(STRAIGHT_TO_NETWORK).catch(() => undefined));
    } catch (e) {
      // addRoutes threw before returning a promise: same fallback.
    }
  }
  self.skipWaiting();
});

// Navigation preload: the browser starts fetching a page while this worker is still starting,
// so a visit after the worker went idle does not wait for it before the request goes out.
self.addEventListener('activate', (event) => {
  const preload = self.registration.navigationPreload;
  event.waitUntil(
    Promise.all([self.clients.claim(), preload ? preload.enable().catch(() => undefined) : undefined]),
  );
});

/** The site's own response with the isolation headers set. */
function isolated(response) {
  // Opaque answers (status 0) and redirects the page follows itself pass through unchanged.
  if (response.status === 0 || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (!needsHeaders(request)) return;
  // Chromium throws on this combination (DevTools opening a source); let the browser handle it.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    (async () => {
      // A preload that failed is tried again as a plain fetch, which says what went wrong.
      const preloaded =
        request.mode === 'navigate'
          ? await Promise.resolve(event.preloadResponse).catch(() => undefined)
          : undefined;
      return isolated(preloaded || (await fetch(request)));
    })(),
  );
});
