/** The options of `ng add @oidc-session/angular` (schema.json says what each means). */
export interface NgAddOptions {
  readonly project?: string;
  readonly mode: 'browser' | 'bff';
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly apiOrigin: string;
  readonly apiPath: string;
}
