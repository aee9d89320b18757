import { APP } from './stack';

/** Headers a forged API or provider answer needs so that the browser lets the app read it. */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': APP,
  'Access-Control-Expose-Headers': 'WWW-Authenticate',
  Vary: 'Origin',
};
