/**
 * `WWW-Authenticate` as RFC 9110 (section 11.6.1) defines it, for reading RFC 6750 / RFC 9470
 * challenges: one or more challenges separated by commas, each a scheme and then either a token68
 * or comma-separated `name=value` parameters, a value being a token or a quoted string (with
 * backslash escapes). Scheme and parameter names are case-insensitive; the same header may carry
 * several challenges of the same scheme.
 */

/** One challenge: its scheme (lower case), parameters (names lower case) or token68. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

/** The header does not follow the grammar; `at` is the offset where reading failed. */
export class MalformedChallengeError extends Error {
  constructor(
    readonly header: string,
    readonly at: number,
    problem: string,
  ) {
    super(`Malformed WWW-Authenticate header at ${at}: ${problem}`);
    this.name = 'MalformedChallengeError';
  }
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const SPACES = /[ \t]*/y;

/**
 * Every challenge of `header`, in order.
 * @throws MalformedChallengeError when the header does not follow the grammar.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const reader = new Reader(header);
  const challenges: AuthChallenge[] = [];
  reader.skipListSeparators();
  while (!reader.done) {
    challenges.push(readChallenge(reader));
    reader.skipListSeparators();
  }
  if (challenges.length === 0) reader.fail('no challenge');
  return challenges;
}

function readChallenge(reader: Reader): AuthChallenge {
  const scheme = reader.token('an auth scheme').toLowerCase();
  const spaced = reader.spaces();
  if (reader.done || reader.peek() === ',') return { scheme, params: {} };
  if (!spaced) reader.fail('a space after the auth scheme');
  // A token68 is all there is up to the next comma: `name=value` has an "=" inside, which a
  // token68 cannot (only at its end).
  const start = reader.offset;
  const token68 = reader.match(TOKEN68);
  if (token68 !== null) {
    reader.spaces();
    if (reader.done || reader.peek() === ',') return { scheme, params: {}, token68 };
    reader.offset = start;
  }
  const params: Record<string, string> = {};
  for (;;) {
    const name = reader.token('a parameter name').toLowerCase();
    reader.spaces();
    reader.expect('=');
    reader.spaces();
    const value = reader.peek() === '"' ? reader.quoted() : reader.token('a parameter value');
    if (name in params) reader.fail(`the parameter ${name} twice`);
    params[name] = value;
    reader.spaces();
    if (reader.done) break;
    reader.expect(',');
    // A comma ends this challenge when a new scheme (not `name=`) follows it.
    const next = reader.offset;
    reader.skipListSeparators();
    if (reader.done) break;
    const lookahead = reader.offset;
    reader.token('a parameter name or an auth scheme');
    reader.spaces();
    const isParam = reader.peek() === '=';
    reader.offset = isParam ? lookahead : next;
    if (!isParam) break;
  }
  return { scheme, params };
}

class Reader {
  offset = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.offset >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.offset);
  }

  match(pattern: RegExp): string | null {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.text);
    if (!found || found[0] === '') return null;
    this.offset += found[0].length;
    return found[0];
  }

  token(what: string): string {
    return this.match(TOKEN) ?? this.fail(what);
  }

  spaces(): boolean {
    return this.match(SPACES) !== null;
  }

  skipListSeparators(): void {
    while (this.match(SPACES) !== null || this.peek() === ',') {
      if (this.peek() === ',') this.offset += 1;
    }
  }

  expect(char: string): void {
    if (this.peek() !== char) this.fail(`"${char}"`);
    this.offset += 1;
  }

  /** A quoted-string, unescaped. */
  quoted(): string {
    this.expect('"');
    let value = '';
    while (!this.done) {
      const char = this.text.charAt(this.offset++);
      if (char === '"') return value;
      if (char === '\\') {
        if (this.done) break;
        value += this.text.charAt(this.offset++);
      } else if (char < ' ' && char !== '\t') {
        this.offset -= 1;
        this.fail('a printable character in a quoted string');
      } else {
        value += char;
      }
    }
    return this.fail('the end of a quoted string');
  }

  fail(expected: string): never {
    throw new MalformedChallengeError(this.text, this.offset, `expected ${expected}`);
  }
}
