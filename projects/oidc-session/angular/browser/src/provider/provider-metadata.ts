import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';

import {
  ɵAUTH_TIMING as AUTH_TIMING,
  AuthConfigError,
  ɵAuthConfigStore as AuthConfigStore,
  CLOCK,
  ɵKeyValueStorage as KeyValueStorage,
  ProviderUnreachableError,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  SKIP_AUTH,
} from '@oidc-session/angular';
import { browserConfig, BrowserAuthConfig } from '../browser-config';
import { ProviderMetadata } from './provider-endpoints';
import { PROVIDER_METADATA_SEED } from './provider-metadata-seed';

const STORAGE_PREFIX = 'oidc-session.metadata:';

/** What is kept per issuer: the endpoints, and when discovery gave them (client clock). */
interface StoredMetadata extends ProviderMetadata {
  readonly fetchedAt: number;
}

/**
 * The one source of provider metadata. Discovery is fetched when first needed (a sign-in, or
 * a refresh in a tab that has none) and kept per issuer in this tab's `sessionStorage`, so a
 * reload with a valid session asks the provider nothing. Whatever is read back is checked again
 * (the configured issuer, endpoints on `https:` or loopback), since storage can be edited.
 */
@Injectable({ providedIn: 'root' })
export class ProviderMetadataStore {
  private readonly http = inject(HttpClient);
  private readonly config = inject(AuthConfigStore);
  private readonly timing = inject(AUTH_TIMING);
  private readonly clock = inject(CLOCK);
  private readonly storage: KeyValueStorage | null = inject(SESSION_STORAGE);
  private readonly seed = inject(PROVIDER_METADATA_SEED);
  private memory: StoredMetadata | null = null;
  /** The issuer whose stored copy has been read: storage is read once, memory thereafter. */
  private storageReadFor: string | null = null;
  private fetching: Promise<ProviderMetadata> | null = null;

  /** The checked metadata this tab holds for the configured issuer, or null. */
  current(): ProviderMetadata | null {
    if (!this.config.isLoaded) return null;
    const config = browserConfig(this.config);
    if (this.memory?.issuer === config.issuer) return this.memory;
    // Only this tab writes its sessionStorage, so one read is enough (this runs per request).
    if (this.storageReadFor === config.issuer) return null;
    this.storageReadFor = config.issuer;
    const stored = this.readStored(config);
    if (stored) this.memory = stored;
    else if (this.seed?.issuer === config.issuer) this.keep(checkMetadata(this.seed, config));
    return this.memory?.issuer === config.issuer ? this.memory : null;
  }

  /**
   * The metadata, from this tab or else from discovery (one request however many callers ask).
   * @throws ProviderUnreachableError when discovery gets no usable answer; AuthConfigError when
   * the answer does not fit the configuration (another issuer, no token endpoint, ...).
   */
  get(): Promise<ProviderMetadata> {
    const held = this.current();
    return held ? Promise.resolve(held) : this.discover();
  }

  /** Fetches discovery again, e.g. because a cached endpoint answered as if it had moved. */
  rediscover(): Promise<ProviderMetadata> {
    return this.discover();
  }

  private discover(): Promise<ProviderMetadata> {
    if (!this.fetching) {
      this.fetching = this.fetchDocument().finally(() => (this.fetching = null));
    }
    return this.fetching;
  }

  private async fetchDocument(): Promise<ProviderMetadata> {
    const config = browserConfig(this.config);
    const url = `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      document = await firstValueFrom(
        this.http
          .get<unknown>(url, { context: new HttpContext().set(SKIP_AUTH, true) })
          .pipe(timeout(this.timing.tokenRequestTimeoutMs)),
      );
    } catch (error: unknown) {
      throw discoveryFailure(error, url);
    }
    const metadata = checkMetadata(fromDocument(document), config);
    this.keep(metadata);
    return metadata;
  }

  private keep(metadata: ProviderMetadata): void {
    this.memory = { ...metadata, fetchedAt: this.clock.now() };
    try {
      this.storage?.setItem(STORAGE_PREFIX + metadata.issuer, JSON.stringify(this.memory));
    } catch {
      // Without storage every page load discovers again; nothing else changes.
    }
  }

  private readStored(config: BrowserAuthConfig): StoredMetadata | null {
    const key = STORAGE_PREFIX + config.issuer;
    const raw = this.storage?.getItem(key) ?? null;
    if (raw === null) return null;
    try {
      const stored = JSON.parse(raw) as StoredMetadata;
      return { ...checkMetadata(stored, config), fetchedAt: Number(stored.fetchedAt) || 0 };
    } catch {
      // Tampered or from another version: dropped, and discovery runs when next needed.
      this.storage?.removeItem(key);
      return null;
    }
  }
}

/** The fields the session layer uses, from a discovery document. */
function fromDocument(document: unknown): ProviderMetadata {
  if (typeof document !== 'object' || document === null) {
    throw new AuthConfigError('issuer', 'names a provider whose discovery document is not JSON');
  }
  const field = (name: string): string | null => {
    const value = (document as Record<string, unknown>)[name];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  return {
    issuer: field('issuer') ?? '',
    authorizationEndpoint: field('authorization_endpoint'),
    tokenEndpoint: field('token_endpoint') ?? '',
    revocationEndpoint: field('revocation_endpoint'),
    endSessionEndpoint: field('end_session_endpoint'),
    authorizationResponseIssParameterSupported:
      (document as Record<string, unknown>)['authorization_response_iss_parameter_supported'] ===
      true,
    ...dpopAlgorithms((document as Record<string, unknown>)['dpop_signing_alg_values_supported']),
  };
}

/** The DPoP algorithms, kept only when advertised, so metadata without DPoP reads as before. */
function dpopAlgorithms(value: unknown): Pick<ProviderMetadata, 'dpopSigningAlgValuesSupported'> {
  if (!Array.isArray(value)) return {};
  const algorithms = value.filter((alg): alg is string => typeof alg === 'string');
  return algorithms.length > 0 ? { dpopSigningAlgValuesSupported: algorithms } : {};
}

/**
 * Checks metadata against the configuration, wherever it came from.
 * @throws AuthConfigError naming what does not fit.
 */
export function checkMetadata(
  metadata: ProviderMetadata,
  config: BrowserAuthConfig,
): ProviderMetadata {
  if (metadata.issuer !== config.issuer) {
    throw new AuthConfigError(
      'issuer',
      `does not match the provider's discovery document, which says "${String(metadata.issuer)}" ` +
        '(the issuer must be identical, trailing slash included)',
    );
  }
  if (!metadata.tokenEndpoint) {
    throw new AuthConfigError(
      'issuer',
      'names a provider whose discovery document has no token_endpoint',
    );
  }
  const endpoints = [
    metadata.authorizationEndpoint,
    metadata.tokenEndpoint,
    metadata.revocationEndpoint,
    metadata.endSessionEndpoint,
  ].filter((endpoint): endpoint is string => typeof endpoint === 'string');
  for (const endpoint of endpoints) {
    if (!isSafeEndpoint(endpoint)) {
      throw new AuthConfigError(
        'issuer',
        `names a provider with an endpoint that is neither https: nor loopback (${endpoint})`,
      );
    }
    if (config.strictDiscovery && !endpoint.startsWith(config.issuer.replace(/\/$/, ''))) {
      throw new AuthConfigError(
        'issuer',
        `does not match the provider's discovery document: with strictDiscovery every endpoint must ` +
          `start with the issuer, and ${endpoint} does not`,
      );
    }
  }
  return {
    issuer: metadata.issuer,
    authorizationEndpoint: metadata.authorizationEndpoint ?? null,
    tokenEndpoint: metadata.tokenEndpoint,
    revocationEndpoint: metadata.revocationEndpoint ?? null,
    endSessionEndpoint: metadata.endSessionEndpoint ?? null,
    authorizationResponseIssParameterSupported:
      metadata.authorizationResponseIssParameterSupported === true,
    ...dpopAlgorithms(metadata.dpopSigningAlgValuesSupported),
  };
}

function isSafeEndpoint(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'https:') return true;
    return (
      url.protocol === 'http:' &&
      (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
    );
  } catch {
    // Not a URL at all: not an endpoint to send anything to.
    return false;
  }
}

function discoveryFailure(error: unknown, url: string): Error {
  if (error instanceof TimeoutError) return new ProviderUnreachableError('timeout');
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) return new ProviderUnreachableError('network');
    if (error.status === 429) return new ProviderUnreachableError('rate_limited', 429);
    if (error.status >= 500 || error.status === 408) {
      return new ProviderUnreachableError('server_error', error.status);
    }
    if (error.status === 200) {
      return new AuthConfigError('issuer', `names a provider whose discovery document is not JSON`);
    }
    return new AuthConfigError(
      'issuer',
      `has no discovery document at ${url} (HTTP ${error.status})`,
    );
  }
  return new ProviderUnreachableError('network');
}
