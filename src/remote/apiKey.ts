/**
 * @file The remote API key as SecretStorage keeps it: bound to the origin it was entered for.
 * A settings change (a workspace's settings.json included) can point `smolcode.remote.url`
 * elsewhere; the key must not follow it there, so it is sent only to the origin it was set for.
 */

/** What SecretStorage holds under `smolcode.remote.apiKey`. */
export interface StoredKey {
  readonly origin: string;
  readonly key: string;
}

export function encodeKey(stored: StoredKey): string {
  return JSON.stringify(stored);
}

/** The stored value, or undefined when absent or not ours. */
export function decodeKey(value: string | undefined): StoredKey | undefined {
  if (!value) return undefined;
  try {
    const json = JSON.parse(value) as Partial<StoredKey>;
    return typeof json.origin === 'string' && typeof json.key === 'string' && json.key ? { origin: json.origin, key: json.key } : undefined;
  } catch {
    return undefined;
  }
}

/** The key to send to `origin`: the stored one when it was set for that origin, else none. */
export function keyFor(stored: StoredKey | undefined, origin: string): string | undefined {
  return stored && stored.origin === origin ? stored.key : undefined;
}
