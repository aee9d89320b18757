/** The provider endpoints the session layer uses, from its discovery document. */
export interface ProviderMetadata {
  readonly issuer: string;
  /** Where sign-in starts; only the sign-in needs it. */
  readonly authorizationEndpoint?: string | null;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string | null;
  readonly endSessionEndpoint: string | null;
  /** RFC 9207: the provider names itself (`iss`) in its redirect back, which must then match. */
  readonly authorizationResponseIssParameterSupported?: boolean;
  /** RFC 9449: the proof algorithms the provider accepts; absent when it does no DPoP. */
  readonly dpopSigningAlgValuesSupported?: readonly string[];
}
