// Cross-origin isolation wherever the page is hosted. Inlined into index.html ahead of the
// WebAssembly, so it runs before anything else on the page.
//
// Where the server already sends COOP/COEP (trunk serve, `interleave serve --static-dir`, a host
// configured as docs/embedding.md shows) the page is isolated and this does nothing. Elsewhere it
// registers interleave-sw.js, which adds those headers to the site's own responses, and reloads
// once so the page comes back under it. At most one automatic reload: the reload is marked in
// sessionStorage, a page that finds the mark and is still not isolated gives up and says why, and
// the mark is cleared whenever the page ends up isolated (so a later Shift-reload, which bypasses
// service workers, gets its one reload too). The outcome is left in `window.__interleaveIsolation`
// for the page to put into words: `by` ("headers" or "service-worker") when isolated, otherwise
// `off` naming what stood in the way, and `ms`, the time spent here before the reload.
//
// A load that is going to be reloaded is stopped at once (`window.stop()`): the WebAssembly it
// would fetch and compile, and the page it would draw, are thrown away by the reload, and on two
// cores they slowed the worker's installation and the reload itself. If registering fails, the
// page reloads once more without trying, and says why (the reason is kept in sessionStorage).
(function () {
  'use strict';
  var MARK = 'interleave-isolation-reload';
  var FAILED = 'interleave-isolation-failed';
  var WORKER = 'interleave-sw.js';
  var report = { by: null, off: null, reloaded: false, detail: '', ms: 0 };
  window.__interleaveIsolation = report;

  var nav = window.navigator;
  var controller = nav.serviceWorker ? nav.serviceWorker.controller : null;
  var ours = !!controller && controller.scriptURL.indexOf(WORKER) !== -1;
  var storage = null;
  try {
    storage = window.sessionStorage;
  } catch (e) {
    storage = null; // storage blocked (a third-party frame with cookies off, some private modes)
  }
  var mark = storage ? storage.getItem(MARK) : null;
  report.reloaded = mark !== null;
  if (mark !== null) report.ms = Number(mark.split(' ')[1]) || 0;

  if (window.crossOriginIsolated) {
    report.by = ours ? 'service-worker' : 'headers';
    if (storage) storage.removeItem(MARK);
    return;
  }
  if (window.location.protocol === 'file:') {
    // Browsers refuse to fetch the WebAssembly from a file:// page at all, so the page itself
    // never draws: say so here, in plain HTML.
    report.off = 'file';
    document.addEventListener('DOMContentLoaded', function () {
      var note = document.createElement('p');
      note.setAttribute('data-testid', 'file-note');
      note.textContent =
        'Interleave was opened from a file. Browsers load its WebAssembly only from a web ' +
        'server: in this folder run `python3 -m http.server` and open http://localhost:8000/.';
      document.body.insertBefore(note, document.body.firstChild);
    });
    return;
  }
  if (!window.isSecureContext) return void (report.off = 'insecure');
  // In a frame too: COOP/COEP from the worker cannot isolate a frame whose embedder is not
  // isolated, but the Document-Isolation-Policy it also adds does, in browsers that know it. In
  // one that does not, the frame is reloaded once for nothing and then says why.
  if (!nav.serviceWorker) return void (report.off = 'no-service-worker');
  if (ours) return void (report.off = 'not-honoured');
  if (!storage) return void (report.off = 'no-storage');
  var failure = storage.getItem(FAILED);
  if (failure !== null) {
    // The load before this one stopped to register the worker, and registering failed.
    storage.removeItem(FAILED);
    storage.removeItem(MARK);
    report.off = 'register-failed';
    report.detail = failure;
    return;
  }
  if (mark !== null) return void (report.off = 'no-control');

  // This load was stopped: come back without the worker, saying why.
  function failed(detail) {
    storage.setItem(FAILED, detail);
    window.location.reload();
  }
  report.off = 'pending';
  var started = window.performance.now();
  function reload() {
    storage.setItem(MARK, Date.now() + ' ' + Math.round(window.performance.now() - started));
    window.location.reload();
  }
  nav.serviceWorker.register(WORKER, { updateViaCache: 'none' }).then(
    function (registration) {
      if (registration.active) return reload();
      var worker = registration.installing || registration.waiting;
      worker.addEventListener('statechange', function () {
        if (worker.state === 'activated') reload();
        else if (worker.state === 'redundant') failed('the new service worker was discarded');
      });
    },
    function (error) {
      failed(String((error && error.message) || error));
    },
  );
  // Nothing of this load survives the reload: stop fetching and compiling it now.
  window.stop();
})();
