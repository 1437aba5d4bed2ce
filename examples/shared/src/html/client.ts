/**
 * The only script on the site, served at /app.js (same origin, so the CSP can
 * stay `script-src 'self'`). Forms marked `data-api` post JSON to tokenkit's
 * endpoints and show the outcome in place, instead of the browser rendering
 * the JSON answer: `data-success` is where to go on 2xx, `data-gone` on 410.
 */
export const CLIENT_SCRIPT = `'use strict';
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  const error = form.querySelector('[data-error]');
  const show = (text) => { if (error) { error.textContent = text; error.hidden = false; } };
  const data = Object.fromEntries(new FormData(form));
  if ('confirm' in data) {
    if (data.confirm !== data.password) return show('The two passwords differ.');
    delete data.confirm;
  }
  const button = form.querySelector('button[type=submit]');
  if (button) button.disabled = true;
  try {
    const res = await fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(data),
    });
    if (res.ok && form.dataset.success) return location.assign(form.dataset.success);
    if (res.status === 410 && form.dataset.gone) return location.assign(form.dataset.gone);
    let problem = {};
    try { problem = await res.json(); } catch {}
    show(problem.detail || problem.title || 'Something went wrong (' + res.status + ').');
  } catch {
    show('The server could not be reached. Please try again.');
  } finally {
    if (button) button.disabled = false;
  }
});
`;
