import type { ErrorOut } from 'oidc-provider'

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The page oidc-provider shows when it cannot send the user back to the app (an unknown
 * client, a redirect URI that was not registered): never a redirect to an address it cannot
 * trust. Plain HTML under the strict CSP: no inline script or style, no remote font.
 */
export function errorPage(out: ErrorOut, stylesheet: string | null): string {
  const description = typeof out.error_description === 'string' ? out.error_description : 'The request could not be completed.'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in error · Brandwave</title>
${stylesheet === null ? '' : `<link rel="stylesheet" href="${escape(stylesheet)}">`}
</head>
<body>
<main class="sign-in">
<h1>This app’s request cannot be completed</h1>
<p role="alert">${escape(description)}</p>
<p>Error code: <code>${escape(String(out.error))}</code></p>
<p>Go back to the app and try again, or tell its developer. <a href="/">Open the Brandwave dashboard</a>.</p>
</main>
</body>
</html>`
}
