// The host page's own code, run while the loader is still waiting to load the widget: it
// subscribes to every event and makes the calls its query string asks for, all through the
// loader's queue. What it saw before load is kept in window.__early.
//   ?tag=<JSON user>   CV.user.tag(user) before load
//   ?open=1            CV.chat.open() before load (loads at once)
//   ?bogus=1           CV.on('bogus', fn) before load (a bad call, reported at replay)
(function () {
  var q = new URLSearchParams(location.search);
  var loader = document.getElementById('webchat-loader');
  var name = loader.dataset.global || 'CV';
  function early() {
    var cv = window[name];
    window.__early = {
      state: cv.chat.state(),
      isOpen: cv.chat.isOpen(),
      wasmRequested: performance.getEntriesByType('resource').some(function (e) {
        return /\.wasm(\?|$)/.test(e.name);
      }),
    };
    window.__record(cv);
    if (q.has('tag')) cv.user.tag(JSON.parse(q.get('tag')));
    if (q.has('bogus')) cv.on('bogus', function () {});
    if (q.has('open')) cv.chat.open();
  }
  if (window[name]) early();
  else loader.addEventListener('load', early);
})();
