// Progressive enhancement only: every feature here has a plain-HTML fallback.
(function () {
  'use strict';
  var root = document.documentElement;
  function currentTheme() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  function labelToggle(btn) {
    var dark = currentTheme() === 'dark';
    btn.setAttribute('aria-pressed', dark ? 'true' : 'false');
    btn.title = dark ? 'Dark theme is on' : 'Dark theme is off';
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target.closest && ev.target.closest('[data-theme-toggle]');
    if (t) {
      var next = currentTheme() === 'dark' ? 'light' : 'dark';
      root.dataset.theme = next;
      try { localStorage.setItem('theme', next); } catch { /* private mode */ }
      labelToggle(t);
      return;
    }
    // Copy buttons: <button data-copy="element-id">; the text stays selectable without JS.
    var c = ev.target.closest && ev.target.closest('[data-copy]');
    if (c) {
      var src = document.getElementById(c.getAttribute('data-copy'));
      var status = c.parentNode.querySelector('[role="status"]');
      if (!src || !navigator.clipboard) return;
      navigator.clipboard.writeText(src.textContent).then(function () {
        if (status) status.textContent = 'Copied';
      }, function () {
        if (status) status.textContent = 'Select the text and copy it';
      });
    }
  });
  // A thumbnail that cannot load leaves the coloured tile under it showing.
  function dropBroken(img) { if (img.parentNode && img.parentNode.classList.contains('thumb')) img.remove(); }
  document.addEventListener('error', function (ev) { if (ev.target.tagName === 'IMG') dropBroken(ev.target); }, true);
  // Opening a card's abstract that is only an excerpt fetches the whole one into the card;
  // without JavaScript (or if the fetch fails) the "Full abstract" link is there instead.
  document.addEventListener('toggle', function (ev) {
    var d = ev.target;
    if (!d.open || !d.parentNode || !d.parentNode.classList || !d.parentNode.classList.contains('clamp')) return;
    var link = d.querySelector('a[href^="/papers/"]');
    if (!link || d.dataset.loading) return;
    d.dataset.loading = '1';
    fetch('/fragments/abstract/' + link.getAttribute('href').slice(8), { headers: { Accept: 'text/html' } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (text) { d.parentNode.firstElementChild.innerHTML = text; link.remove(); })
      .catch(function () { delete d.dataset.loading; });
  }, true);
  // Time-zone fields ([data-tz]) take the browser's zone; without JavaScript the form says UTC.
  function fillTimeZones() {
    var z;
    try { z = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch { return; }
    if (!z) return;
    document.querySelectorAll('[data-tz]').forEach(function (el) {
      if (el.dataset.tzSet) return;
      if (el.tagName === 'SELECT') {
        for (var i = 0; i < el.options.length; i++) if (el.options[i].value === z) { el.value = z; break; }
      } else el.value = z;
    });
  }
  function enhance() {
    fillTimeZones();
    document.querySelectorAll('.thumb img').forEach(function (img) { if (img.complete && !img.naturalWidth) dropBroken(img); });
    var t = document.querySelector('[data-theme-toggle]');
    if (t) { t.hidden = false; labelToggle(t); }
    // Copy needs the clipboard API: show the buttons only where it exists.
    if (navigator.clipboard) document.querySelectorAll('[data-copy][hidden]').forEach(function (b) { b.hidden = false; });
    // Hide "Show more" where the clamped abstract is shown whole anyway.
    document.querySelectorAll('.abstract.clamp').forEach(function (a) {
      var p = a.firstElementChild;
      if (p && p.scrollHeight <= p.clientHeight + 2 && !a.querySelector('details a')) a.classList.add('fits');
    });
  }
  // A sort menu applies itself; its button stays for browsers without JavaScript.
  document.addEventListener('change', function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute('data-autosubmit') && ev.target.form) ev.target.form.submit();
  });
  // Comment drafts survive a reload or a stray link: kept in this tab until the form is sent (signed
  // out, the server keeps the text through sign-in and posts it; a refused form comes back filled).
  function drafts() {
    document.querySelectorAll('form[data-draft]').forEach(function (form) {
      var key = 'draft:' + form.getAttribute('data-draft');
      var box = form.querySelector('textarea');
      if (!box) return;
      try {
        if (!box.value && sessionStorage.getItem(key)) box.value = sessionStorage.getItem(key);
        box.addEventListener('input', function () { sessionStorage.setItem(key, box.value); });
        form.addEventListener('submit', function () { sessionStorage.removeItem(key); });
      } catch { /* storage off */ }
    });
  }
  function enhanceMore() { drafts(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhanceMore);
  else enhanceMore();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhance);
  else enhance();
  window.Paperboy = window.Paperboy || {};
})();
