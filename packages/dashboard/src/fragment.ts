/**
 * Reads `token` from the address's fragment (`#token=…`), which browsers never send to a
 * server, then drops the fragment from the address bar so it does not linger on screen.
 */
export function takeFragmentToken(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token')
  if (token !== null && token !== '') {
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search)
    return token
  }
  return null
}
