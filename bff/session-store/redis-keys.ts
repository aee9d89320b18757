/**
 * The Redis store's key names, laid out for Redis Cluster as well as one server: every key a
 * script or a MULTI touches together shares a hash tag (the `{...}` part decides the slot), and
 * nothing is ever looked up across slots inside Redis.
 *
 * - `<p>session:{<id>}`: one session (hash), alone in its slot.
 * - `<p>sid:{<sid>}`, `<p>sub:{<sub>}`: sets of session ids, for back-channel logout. Each is
 *   its own slot: they are written with their own commands after the session, and read by
 *   listing the ids and looking each session up (members whose session is gone are dropped then,
 *   and every set expires with the absolute session lifetime).
 * - `<p>{logins}:state:<state>`, `<p>{logins}:all`, `<p>{logins}:client:<client>`: sign-ins in
 *   progress and their bounds, in one slot so one script checks and takes a slot atomically.
 *   They are few (bounded) and short-lived, so one slot is no hot spot.
 * - `<p>rate:{<key>}`, `<p>jti:{<jti>}`, `<p>lock:{<name>}`: one key each.
 */
export interface RedisKeys {
  session(id: string): string;
  sid(sid: string): string;
  sub(sub: string): string;
  login(state: string): string;
  logins(): string;
  loginClient(client: string): string;
  rate(key: string): string;
  jti(jti: string): string;
  lock(name: string): string;
}

/** A hash tag must not contain `}`: ids are base64url, but a `sub` or `sid` is the provider's. */
function tag(value: string): string {
  return `{${value.replace(/[{}]/g, (brace) => (brace === '{' ? '%7B' : '%7D'))}}`;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    session: (id) => `${prefix}session:${tag(id)}`,
    sid: (sid) => `${prefix}sid:${tag(sid)}`,
    sub: (sub) => `${prefix}sub:${tag(sub)}`,
    login: (state) => `${prefix}{logins}:state:${state}`,
    logins: () => `${prefix}{logins}:all`,
    loginClient: (client) => `${prefix}{logins}:client:${client}`,
    rate: (key) => `${prefix}rate:${tag(key)}`,
    jti: (jti) => `${prefix}jti:${tag(jti)}`,
    lock: (name) => `${prefix}lock:${tag(name)}`,
  };
}
