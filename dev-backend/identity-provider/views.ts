/**
 * HTML for the pages a user sees at the identity provider. Every interpolated value goes through
 * `escapeHtml`; the only raw HTML inserted is the logout form oidc-provider builds itself.
 */

/** Escapes text for use in element content and in double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 22rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 4px rgba(0,0,0,.15); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
  button { margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; cursor: pointer; }
  .error { margin-top: 1rem; padding: .6rem; border-radius: 4px; background: #fde8e8; color: #8a1c1c; }
  .hint { margin-top: 1.5rem; color: #555; font-size: .85rem; }
`;

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>${STYLE}</style>
  ${head}
</head>
<body>
  <main>
${body}
  </main>
</body>
</html>`;
}

export interface LoginPageModel {
  /** Where the form posts to: the interaction URL itself. */
  readonly action: string;
  /** The username to keep after a failed attempt. */
  readonly username?: string;
  /** Shown in a `role="alert"` box when set. */
  readonly error?: string;
}

/**
 * The sign-in form. Labels and the button text are part of the demo contract
 * (acceptance tests find them by label and by role), so the heading avoids the words "Sign in".
 */
export function loginPage({ action, username = '', error }: LoginPageModel): string {
  const alert = error ? `    <div class="error" role="alert">${escapeHtml(error)}</div>\n` : '';
  return page(
    'Sign in - Demo identity provider',
    `    <h1>Demo identity provider</h1>
    <p>Use a demo account to continue to the app.</p>
${alert}    <form method="post" action="${escapeHtml(action)}" autocomplete="on">
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
             spellcheck="false" required ${username ? '' : 'autofocus '}value="${escapeHtml(username)}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
      <button type="submit">Sign in</button>
    </form>
    <p class="hint">Demo accounts: alice / wonderland, bob / builder</p>`,
  );
}

export interface OneTimeCodePageModel {
  /** Where the form posts to: the interaction URL itself. */
  readonly action: string;
  /** Shown in a `role="alert"` box when set. */
  readonly error?: string;
}

/**
 * The second factor of the `urn:demo:otp` level: a field labelled "One-time code" and a "Verify"
 * button (demo contract, "Step-up").
 */
export function oneTimeCodePage({ action, error }: OneTimeCodePageModel): string {
  const alert = error ? `    <div class="error" role="alert">${escapeHtml(error)}</div>\n` : '';
  return page(
    "Verify it's you - Demo identity provider",
    `    <h1>Demo identity provider</h1>
    <p>This needs a stronger sign-in. Enter the one-time code.</p>
${alert}    <form method="post" action="${escapeHtml(action)}" autocomplete="off">
      <input type="hidden" name="step" value="one-time-code">
      <label for="code">One-time code</label>
      <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
      <button type="submit">Verify</button>
    </form>
    <p class="hint">The demo code is 123456.</p>`,
  );
}

export interface LogoutPageModel {
  /** oidc-provider's `<form id="op.logoutForm">` holding the xsrf token. */
  readonly form: string;
  /** Submit at once (the request proved it comes from the signed-in account's app). */
  readonly autoConfirm: boolean;
  /** CSP nonce for the page's script. */
  readonly nonce: string;
  /** Where "stay signed in" goes. */
  readonly appOrigin: string;
}

/**
 * RP-initiated logout. With `autoConfirm`, a script submits the confirmation at once (adding
 * `logout=yes`, which ends the whole provider session rather than only this client's part), and
 * without JavaScript the same button does it by hand. Otherwise the user must press the button.
 */
export function logoutPage({ form, autoConfirm, nonce, appOrigin }: LogoutPageModel): string {
  const button = `<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>`;
  if (!autoConfirm) {
    return page(
      'Sign out? - Demo identity provider',
      `    <h1>Sign out of the demo identity provider?</h1>
    <p>A page asked to end your session here.</p>
    ${form}
    ${button}
    <p class="hint"><a href="${escapeHtml(appOrigin)}/">No, stay signed in</a></p>`,
    );
  }
  const script = `<script nonce="${escapeHtml(nonce)}">
    document.addEventListener('DOMContentLoaded', function () {
      var form = document.getElementById('op.logoutForm');
      var confirm = document.createElement('input');
      confirm.type = 'hidden'; confirm.name = 'logout'; confirm.value = 'yes';
      form.appendChild(confirm);
      form.submit();
    });
  </script>`;
  return page(
    'Signing out - Demo identity provider',
    `    <h1>Signing you out...</h1>
    ${form}
    ${button}`,
    script,
  );
}

/** Shown after a logout that had no (valid) post_logout_redirect_uri. */
export function postLogoutPage(appOrigin: string): string {
  return page(
    'Signed out - Demo identity provider',
    `    <h1>You are signed out</h1>
    <p><a href="${escapeHtml(appOrigin)}/">Back to the app</a></p>`,
  );
}

/** A user-facing error (expired sign-in, bad request) with a way back to the app. */
export function errorPage(title: string, detail: string, appOrigin: string): string {
  return page(
    `${title} - Demo identity provider`,
    `    <h1>${escapeHtml(title)}</h1>
    <p>${escapeHtml(detail)}</p>
    <p><a href="${escapeHtml(appOrigin)}/">Back to the app</a></p>`,
  );
}
