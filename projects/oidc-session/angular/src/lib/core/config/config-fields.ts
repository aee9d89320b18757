// Field checks shared by the core's and the modes' configuration rules: each names the field it
// refuses, so a typo in auth.config.json reads as one clear sentence.
import { AuthConfigError } from '../auth-errors';
import { ApiLocation, StepUpMode } from './config-types';

export function requireNonEmptyString(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (value === undefined) throw new AuthConfigError(field, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AuthConfigError(field, 'must be a non-empty string');
  }
  return value.trim();
}

export function requireUrl(
  raw: Record<string, unknown>,
  field: string,
  opts: { allowPath: boolean },
): string {
  return checkUrl(requireNonEmptyString(raw, field), field, opts);
}

export function checkUrl(
  value: string,
  field: string,
  { allowPath }: { allowPath: boolean },
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // new URL throws a TypeError on anything that is not an absolute URL.
    throw new AuthConfigError(field, `is not an absolute URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new AuthConfigError(
      field,
      `must use https: (http: is allowed only for localhost), got "${value}"`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AuthConfigError(
      field,
      `must not contain credentials, a query or a fragment: "${value}"`,
    );
  }
  if (!allowPath && url.pathname !== '/') {
    throw new AuthConfigError(field, `must be an origin only (scheme, host, port), got "${value}"`);
  }
  return allowPath ? value : url.origin;
}

export function requireApis(raw: Record<string, unknown>): ApiLocation[] {
  const value = raw['apis'];
  if (value === undefined) throw new AuthConfigError('apis', 'is missing');
  if (!Array.isArray(value))
    throw new AuthConfigError('apis', 'must be an array of { origin, pathPrefix }');
  return value.map((entry, index) => {
    const field = `apis[${index}]`;
    if (!isRecord(entry))
      throw new AuthConfigError(field, 'must be an object { origin, pathPrefix }');
    const origin = checkUrl(requireNonEmptyString(entry, 'origin'), `${field}.origin`, {
      allowPath: false,
    });
    const prefix = entry['pathPrefix'] ?? '/';
    if (typeof prefix !== 'string' || !prefix.startsWith('/') || /[?#\\]/.test(prefix)) {
      throw new AuthConfigError(
        `${field}.pathPrefix`,
        'must be a path starting with "/" (no query or fragment)',
      );
    }
    // A trailing slash would make "/api/" miss "/api"; segments are matched whole anyway.
    return { origin, pathPrefix: prefix.length > 1 ? prefix.replace(/\/+$/, '') : '/' };
  });
}

export function optionalPath(raw: Record<string, unknown>, field: string): string {
  const value = raw[field] ?? '/';
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.includes('\\')
  ) {
    throw new AuthConfigError(
      field,
      'must be a path on the app\'s origin starting with a single "/"',
    );
  }
  return value;
}

export function optionalLeeway(raw: Record<string, unknown>): number | null {
  const value = raw['leewaySeconds'];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3600) {
    throw new AuthConfigError(
      'leewaySeconds',
      'must be a number of seconds between 0 and 3600 (whatever the value, the leeway in use ' +
        "never exceeds half the access token's lifetime, so that not every request refreshes)",
    );
  }
  return value;
}

/** A whole number of seconds from `min` to `max`, or `fallback` when absent. */
export function optionalSeconds(
  raw: Record<string, unknown>,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = raw[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new AuthConfigError(field, `must be a whole number of seconds from ${min} to ${max}`);
  }
  return value;
}

export function optionalStepUp(raw: Record<string, unknown>): StepUpMode {
  const value = raw['stepUp'] ?? 'manual';
  if (value !== 'manual' && value !== 'automatic') {
    throw new AuthConfigError('stepUp', 'must be "manual" or "automatic"');
  }
  return value;
}

export function optionalBoolean(
  raw: Record<string, unknown>,
  field: string,
  fallback: boolean,
): boolean {
  const value = raw[field] ?? fallback;
  if (typeof value !== 'boolean') throw new AuthConfigError(field, 'must be true or false');
  return value;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
