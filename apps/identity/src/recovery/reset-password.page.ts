/**
 * The page behind a reset-password link (`GET /reset_password/{token}`): static, self-contained HTML whose
 * one inline script (allowed by its nonce) reads the token from the address bar and runs Okta's recovery
 * transaction with fetch — `POST /api/v1/authn/recovery/token`, then `POST /api/v1/authn/credentials/
 * reset_password`. The token is never written into the HTML, and server data is shown with `textContent`.
 */
export function resetPasswordPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>Reset your password</title>
<style nonce="${nonce}">body{font-family:system-ui,sans-serif;color:#1d1d1f;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin:.8rem 0 .2rem}input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#0a66c2;color:#fff;cursor:pointer}
.error{color:#b00020}[hidden]{display:none}</style>
</head><body><h1 id="title">Reset your password</h1>
<p id="status" role="status">Checking your link…</p>
<form id="form" hidden>
<p id="who"></p>
<ul id="rules"></ul>
<label for="password">New password</label><input id="password" type="password" autocomplete="new-password" required>
<label for="confirm">Repeat the new password</label><input id="confirm" type="password" autocomplete="new-password" required>
<ul id="errors" class="error" role="alert"></ul>
<button type="submit">Reset password</button>
</form>
<script nonce="${nonce}">
(function () {
  var token = decodeURIComponent(location.pathname.split('/').pop() || '');
  var stateToken = null;
  var el = function (id) { return document.getElementById(id); };
  var say = function (text, title) { el('status').textContent = text; if (title) el('title').textContent = title; };
  var list = function (id, items) {
    var ul = el(id); ul.textContent = '';
    items.forEach(function (item) { var li = document.createElement('li'); li.textContent = item; ul.appendChild(li); });
  };
  var call = function (path, body) {
    return fetch(path, { method: 'POST', credentials: 'same-origin', referrerPolicy: 'no-referrer',
      headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (json) { return { status: r.status, body: json }; }); });
  };
  var linkDead = function () {
    el('form').hidden = true;
    say('This link has expired or has already been used. Ask for a new one with “Forgot password?” on the sign-in page (/signin), or ask your administrator.', 'This link can no longer be used');
  };
  call('/api/v1/authn/recovery/token', { recoveryToken: token }).then(function (answer) {
    if (answer.status !== 200 || answer.body.status !== 'PASSWORD_RESET') return linkDead();
    stateToken = answer.body.stateToken;
    var user = (answer.body._embedded || {}).user || {};
    var profile = user.profile || {};
    var c = (((answer.body._embedded || {}).policy) || {}).complexity || {};
    el('who').textContent = 'Choose a new password for ' + (profile.login || 'your account') + '.';
    var rules = ['At least ' + (c.minLength || 8) + ' characters'];
    if (c.minLowerCase > 0) rules.push('A lowercase letter');
    if (c.minUpperCase > 0) rules.push('An uppercase letter');
    if (c.minNumber > 0) rules.push('A number');
    if (c.minSymbol > 0) rules.push('A symbol');
    if (c.excludeUsername) rules.push('No parts of your username');
    list('rules', rules);
    say('');
    el('form').hidden = false;
  }, function () { say('The service could not be reached. Try again in a moment.'); });
  el('form').addEventListener('submit', function (event) {
    event.preventDefault();
    var password = el('password').value;
    if (password !== el('confirm').value) return list('errors', ['The two passwords are not the same.']);
    list('errors', []);
    call('/api/v1/authn/credentials/reset_password', { stateToken: stateToken, newPassword: password }).then(function (answer) {
      if (answer.status === 200 && answer.body.status === 'SUCCESS') {
        el('form').hidden = true;
        return say('Your password has been reset. You can now sign in with it.', 'Password reset');
      }
      if (answer.body.errorCode === 'E0000080') {
        var causes = (answer.body.errorCauses || []).map(function (c) { return c.errorSummary; });
        return list('errors', causes.length ? causes : [answer.body.errorSummary]);
      }
      if (answer.body.errorCode === 'E0000105' || answer.body.errorCode === 'E0000011') return linkDead();
      list('errors', [answer.body.errorSummary || 'The password could not be reset. Try again.']);
    }, function () { list('errors', ['The service could not be reached. Try again in a moment.']); });
  });
})();
</script>
</body></html>`;
}
