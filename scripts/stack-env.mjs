// The contract's environment knobs, read the same way by `npm start`, the e2e harness and the
// benchmark. Fails fast with the variable's name on a bad value.
const DEFAULTS = {
  APP_PORT: 4200,
  IDP_PORT: 9000,
  API_PORT: 3000,
  ACCESS_TOKEN_TTL: 60,
  REFRESH_TOKEN_TTL: 86400,
};

/** @returns {{ appPort: number, idpPort: number, apiPort: number, accessTokenTtl: number, refreshTokenTtl: number, appOrigin: string, issuer: string, apiOrigin: string }} */
export function stackEnv(env = process.env) {
  const read = (name) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return DEFAULTS[name];
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive whole number, got "${raw}"`);
    }
    return value;
  };
  const appPort = read('APP_PORT');
  const idpPort = read('IDP_PORT');
  const apiPort = read('API_PORT');
  return {
    appPort,
    idpPort,
    apiPort,
    accessTokenTtl: read('ACCESS_TOKEN_TTL'),
    refreshTokenTtl: read('REFRESH_TOKEN_TTL'),
    appOrigin: `http://localhost:${appPort}`,
    issuer: `http://localhost:${idpPort}`,
    apiOrigin: `http://localhost:${apiPort}`,
  };
}
