// Interleave's service worker: cross-origin isolation on a static host that sends no headers.
//
// The web-worker pool shares one WebAssembly memory, which browsers allow only in a cross-origin
// isolated document, and a document is isolated by the headers of its own response. Most static
// hosts (GitHub Pages among them) let nobody set headers, so this worker re-serves the site's own
// responses with them added. It caches nothing: every request still goes to the network (and the
// browser's HTTP cache) exactly as it would without it, so a new deploy is never hidden behind a
// stale copy. isolate.js, inlined in index.html, registers it and reloads the page at most once.
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

// A new version takes over at once: it only adds headers, so an old page and a new worker agree.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  // Chromium throws on this combination (DevTools opening a source); let the browser handle it.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      // Opaque answers (status 0) and redirects the page follows itself pass through unchanged.
      if (response.status === 0 || response.type === 'opaqueredirect') return response;
      const headers = new Headers(response.headers);
      for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }),
  );
});
