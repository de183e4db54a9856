// Sizes each embedded Interleave lesson to its content and passes on its runs.
// Each frame's address is in data-interleave-src; this page's origin goes into it as parent=,
// the only origin the lesson then talks to. The lesson posts {type, version, ...} messages:
// interleave:height (set the frame's height), interleave:run (a run ended: re-dispatched on the
// frame as an `interleave:run` DOM event whose detail is the message). Messages from anything but
// the frame's own window and origin are ignored.
(function () {
  'use strict';
  var frames = Array.prototype.slice.call(document.querySelectorAll('iframe[data-interleave-src]'));
  frames.forEach(function (frame) {
    var url = new URL(frame.getAttribute('data-interleave-src'), window.location.href);
    // A book opened from a file has no origin to name ("null"): the lesson then runs unsized.
    if (window.location.origin !== 'null') url.searchParams.set('parent', window.location.origin);
    frame.src = url.href;
  });
  window.addEventListener('message', function (event) {
    var frame = frames.find(function (f) { return f.contentWindow === event.source; });
    if (!frame || event.origin !== new URL(frame.src).origin) return;
    var data = event.data;
    if (!data || data.version !== 1) return;
    if (data.type === 'interleave:height' && data.height > 0) {
      frame.style.height = Math.ceil(data.height) + 2 + 'px'; // + the frame's two 1 px borders
    } else if (data.type === 'interleave:run') {
      frame.dispatchEvent(new CustomEvent('interleave:run', { detail: data }));
    }
  });
})();
