// Passkeys. A button with data-passkey="get" (sign in, step up) or "create" (add a passkey)
// asks ChargeDesk for a challenge, lets the browser and the authenticator answer it, puts the
// answer (JSON) in its form's passkey field and sends the form: so a passkey goes with
// whatever the form carried, like a code would.
document.addEventListener('click', async (ev) => {
  const button = ev.target.closest('[data-passkey]');
  if (!button) return;
  ev.preventDefault();
  const form = button.closest('form');
  const status = form.querySelector('[data-passkey-status]');
  const create = button.dataset.passkey === 'create';
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
    status.textContent = 'This browser cannot use passkeys here. Use a code instead.';
    return;
  }
  status.textContent = 'Waiting for your passkey…';
  try {
    const r = await fetch(create ? '/account/passkeys/options' : '/login/passkey', {
      method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' },
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || 'The passkey could not be started. Reload the page and try again.');
    const cred = create
      ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(body.publicKey) })
      : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(body.publicKey) });
    form.querySelector('input[name=passkey]').value = JSON.stringify(cred.toJSON());
    status.textContent = 'Passkey used. Sending…';
    form.requestSubmit();
  } catch (e) {
    status.textContent = (e && e.name === 'NotAllowedError')
      ? 'The passkey was cancelled or timed out. Try again, or type a code.'
      : (e.message || String(e));
  }
});
