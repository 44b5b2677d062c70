/**
 * Where the console keeps the API token: sessionStorage (gone when the tab closes, never sent
 * anywhere but in the Authorization header of /v1 calls). A link may carry it in the fragment,
 * `/console#token=<token>` (a fragment never reaches a server); it is moved into storage and
 * removed from the address bar and the history entry at once.
 */
export const TOKEN_KEY = 'psa-console-token';

export interface TokenPlace {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void; readonly state: unknown };
}

/** Take `#token=` from the address into storage (removing it), then the stored token, or null. */
export function loadToken(place: TokenPlace): string | null {
  const hash = place.location.hash.replace(/^#/, '');
  if (hash !== '') {
    const params = new URLSearchParams(hash);
    const token = params.get('token');
    if (token !== null) {
      params.delete('token');
      const rest = params.toString();
      place.history.replaceState(place.history.state, '', `${place.location.pathname}${place.location.search}${rest ? `#${rest}` : ''}`);
      if (token.trim() !== '') place.storage.setItem(TOKEN_KEY, token.trim());
    }
  }
  return place.storage.getItem(TOKEN_KEY);
}

export function saveToken(place: Pick<TokenPlace, 'storage'>, token: string): void {
  place.storage.setItem(TOKEN_KEY, token);
}

export function forgetToken(place: Pick<TokenPlace, 'storage'>): void {
  place.storage.removeItem(TOKEN_KEY);
}
