// Search as you type on /search: fetches the same server-rendered page and swaps the results in.
// Without JavaScript the form submits normally.
(function () {
  // The page's own box on an empty search; on a results page, the header's box (the filters form
  // carries the query as a hidden field).
  var input = document.querySelector('[data-search-live]') || document.getElementById('q');
  var results = document.getElementById('search-results');
  if (!input || !results || !window.fetch || !window.DOMParser) return;
  var form = document.querySelector('form.search-form') || input.form;
  var timer = null;
  var seq = 0;
  function update() {
    var q = input.value.trim();
    if (q.length < 3) return;
    var params = new URLSearchParams(new FormData(form));
    params.set('q', q);
    var hidden = form.querySelector('input[type="hidden"][name="q"]');
    if (hidden) hidden.value = q;
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
