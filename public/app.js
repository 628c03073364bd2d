// Progressive enhancement only: every feature here has a plain-HTML fallback.
(function () {
  'use strict';
  var root = document.documentElement;
  function currentTheme() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target.closest && ev.target.closest('[data-theme-toggle]');
    if (!t) return;
    var next = currentTheme() === 'dark' ? 'light' : 'dark';
    root.dataset.theme = next;
    try { localStorage.setItem('theme', next); } catch { /* private mode */ }
    t.setAttribute('aria-label', 'Switch to ' + (next === 'dark' ? 'light' : 'dark') + ' theme');
  });
  // The date picker navigates as soon as a day is chosen.
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el.matches && el.matches('input[data-go-date]') && /^\d{4}-\d{2}-\d{2}$/.test(el.value)) {
      window.location.href = '/papers/date/' + el.value;
    }
  });
  window.Paperboy = window.Paperboy || {};
})();
