/**
 * The only script on the site, served at /app.js (same origin, so the CSP can
 * stay `script-src 'self'`). Every form works without it — plain HTML forms,
 * answered with a redirect and a message — the script only catches mistakes
 * before the round trip: two different new passwords, a key without a scope.
 */
export const CLIENT_SCRIPT = `'use strict';
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const error = form.querySelector('[data-error]');
  const refuse = (text) => {
    event.preventDefault();
    if (error) { error.textContent = text; error.hidden = false; }
  };
  const password = form.elements.namedItem('password');
  const confirm = form.elements.namedItem('confirm');
  if (password && confirm && password.value !== confirm.value) return refuse('The two passwords differ.');
  const scopes = form.querySelectorAll('input[data-scope]');
  if (scopes.length > 0 && ![...scopes].some((box) => box.checked)) return refuse('Choose at least one scope.');
  const button = form.querySelector('button[type=submit]');
  // Against double submits; the page is replaced by the answer anyway.
  if (button) setTimeout(() => { button.disabled = true; }, 0);
});
`;
