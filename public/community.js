// Progressive enhancement of the upvote and save forms: post in the background and update the
// page. Without JavaScript the same forms post normally and the server redirects back.
document.addEventListener('submit', async (ev) => {
  const form = ev.target;
  if (form instanceof HTMLFormElement && form.hasAttribute('data-save')) return save(ev, form);
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-vote')) return;
  ev.preventDefault();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  try {
    const data = await postInBackground(form);
    const count = form.querySelector('.count');
    if (count) count.textContent = String(data.upvotes);
    if (button) button.setAttribute('aria-pressed', data.upvoted ? 'true' : 'false');
  } catch (err) {
    if (button) button.title = String(err.message || err);
  } finally {
    if (button) button.disabled = false;
  }
});

async function save(ev, form) {
  ev.preventDefault();
  const button = form.querySelector('button');
  const status = form.parentNode.querySelector('.save-status');
  if (button) button.disabled = true;
  try {
    const data = await postInBackground(form);
    if (status) {
      status.textContent = 'Saved to ';
      const a = document.createElement('a');
      a.href = '/collections/' + data.collection.id;
      a.textContent = data.collection.name;
      status.append(a, '.');
    }
  } catch (err) {
    if (status) status.textContent = 'Not saved: ' + String(err.message || err);
  } finally {
    if (button) button.disabled = false;
  }
}

/** Posts a form as the browser would, asking for JSON; throws the server's message on refusal. */
async function postInBackground(form) {
  const res = await fetch(form.action, {
    method: 'POST',
    body: new URLSearchParams(new FormData(form)),
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}
