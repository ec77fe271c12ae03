// @ts-check
'use strict';
/**
 * Okta's Node SDK (`@okta/okta-sdk-nodejs`) pointed at Lapse: the org URL is Lapse's public URL and the
 * token an admin API token (the one `npm start` printed, or one made with POST /api/v1/tokens). Nothing else
 * changes: the same calls an Okta org answers.
 *
 *   LAPSE_URL=http://localhost:8080 LAPSE_TOKEN=$(cat .data/admin-api-token) \
 *     node examples/okta-sdk/expire-password.js ada@example.com [--temporary-password]
 */
const { Client } = require('@okta/okta-sdk-nodejs');

/** @param {string} orgUrl @param {string} token */
function lapseClient(orgUrl, token) {
  return new Client({
    orgUrl,
    token,
    // The SDK refuses a plain-http org URL unless told: a local Lapse (`npm start`) listens on http.
    ...(orgUrl.startsWith('http://') ? { testing: { disableHttpsCheck: true } } : {}),
  });
}

/**
 * The user must choose a new password at the next sign-in (POST …/lifecycle/expire_password).
 * @param {Client} okta @param {string} login the user's login (or id)
 */
async function expirePassword(okta, login) {
  const user = await okta.userApi.expirePassword({ userId: login });
  return { id: user.id, status: user.status };
}

/**
 * The same with a temporary password the admin hands over (POST …/expire_password_with_temp_password); the
 * user signs in with it once and must then choose a new one. Its sessions end.
 * @param {Client} okta @param {string} login
 */
async function expireWithTemporaryPassword(okta, login) {
  const { tempPassword } = await okta.userApi.expirePasswordAndGetTemporaryPassword({
    userId: login,
    revokeSessions: true,
  });
  return { tempPassword };
}

module.exports = { lapseClient, expirePassword, expireWithTemporaryPassword };

if (require.main === module) {
  const [login, flag] = process.argv.slice(2);
  const { LAPSE_URL, LAPSE_TOKEN } = process.env;
  if (!login || !LAPSE_URL || !LAPSE_TOKEN) {
    process.stderr.write('usage: LAPSE_URL=… LAPSE_TOKEN=… node expire-password.js <login> [--temporary-password]\n');
    process.exit(2);
  }
  const okta = lapseClient(LAPSE_URL, LAPSE_TOKEN);
  const action =
    flag === '--temporary-password' ? expireWithTemporaryPassword(okta, login) : expirePassword(okta, login);
  action.then(
    (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`),
    (error) => {
      // The SDK's error carries Okta's envelope (errorCode, errorSummary).
      process.stderr.write(`${error.errorCode ?? ''} ${error.errorSummary ?? error.message}\n`);
      process.exit(1);
    },
  );
}
