import { RenderMode, ServerRoute } from '@angular/ssr';

/**
 * Every page renders on the server per request; none is prerendered at build time. One build
 * serves both modes and the mode is read at run time, and in bff mode every page's header says
 * who is signed in. Each page also carries a fresh CSP nonce (src/server/csp-nonce.ts), which a
 * page built once could not.
 */
export const serverRoutes: ServerRoute[] = [{ path: '**', renderMode: RenderMode.Server }];
