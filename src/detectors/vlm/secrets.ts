/**
 * What a model server must never see printed back: the API key read from `apiKeyEnv`, and credentials
 * written into the base URL (`http://user:PASSWORD@host/v1`).
 *
 * fetch refuses URLs that carry credentials, so they are taken out of the URL here and sent the way HTTP
 * means them to be: an `Authorization: Basic` header (RFC 7617). The URL kept for messages has none.
 * Every text that leaves the client goes through `redact` first, whole, before anything cuts it short:
 * a secret cut in half by a snippet could no longer be recognised.
 */
import { UsageError } from '../../core/errors.js';
import { optionDetails, optionName } from '../../core/options.js';

/** What stands in for a secret in any text. */
export const REDACTED = '***';

/** Values that must not appear in any text that leaves the client, each in every spelling it may come back in. */
export class Secrets {
  private readonly values: string[];

  constructor(values: readonly (string | undefined)[]) {
    const spellings = new Set<string>();
    for (const value of values) {
      if (!value) continue;
      spellings.add(value);
      // Servers echo what they received: percent-encoded in a URL, escaped inside JSON text.
      spellings.add(encodeURIComponent(value));
      spellings.add(JSON.stringify(value).slice(1, -1));
    }
    // Longest first, so that a secret holding another is replaced whole.
    this.values = [...spellings].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }
}

export interface BaseUrlCredentials {
  /** The base URL without user and password: what requests go to and what messages show. */
  url: string;
  /** `Basic base64(user:password)`, when the URL carried credentials. */
  authorization?: string;
  /** The user and password as given (decoded) and the header value: all three are secrets. */
  secrets: string[];
}

/**
 * Takes the credentials out of a base URL. `apiKeyEnv` and credentials in the URL both want the
 * Authorization header: giving both is a usage error (which one the server expects cannot be guessed).
 */
export function splitCredentials(baseUrl: string, hasApiKey: boolean): BaseUrlCredentials {
  const url = new URL(baseUrl);
  if (url.username === '' && url.password === '') return { url: baseUrl, secrets: [] };
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const userinfo = `${url.username}:${url.password}`;
  const user = decode(url.username);
  const password = decode(url.password);
  url.username = '';
  url.password = '';
  const bare = url.toString().replace(/\/+$/, '');
  if (hasApiKey) {
    throw new UsageError(
      `${optionName('baseUrl')} ${bare}: has a user and password, and ${optionName('apiKeyEnv')} names a key; both would be the Authorization header: give one`,
      { details: optionDetails('baseUrl', 'apiKeyEnv') },
    );
  }
  const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  // A user without a password is a token in the user's place (`http://TOKEN@host`): a secret too.
  return { url: bare, authorization: `Basic ${token}`, secrets: [password, token, userinfo, ...(password === '' ? [user] : [])] };
}
