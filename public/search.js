// Search as you type on /search: fetches the same server-rendered page and swaps the results in.
// Without JavaScript the form submits normally.
(function () {
  var input = document.querySelector('[data-search-live]');
  var results = document.getElementById('search-results');
  if (!input || !results || !window.fetch || !window.DOMParser) return;
  var form = input.form;
  var timer = null;
  var seq = 0;
  function update() {
    var q = input.value.trim();
    if (q.length < 3) return;
    var params = new URLSearchParams(new FormData(form));
    var url = '/search?' + params.toString();
    var mine = ++seq;
    fetch(url, { headers: { accept: 'text/html' }, redirect: 'manual' })
      .then(function (res) {
        return res.ok ? res.text() : null;
      })
      .then(function (text) {
        if (!text || mine !== seq) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('search-results');
        if (!fresh) return;
        results.innerHTML = fresh.innerHTML;
        history.replaceState(null, '', url);
      })
      .catch(function () {});
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
})();
