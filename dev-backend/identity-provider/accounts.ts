/**
 * The demo accounts (names fixed by the demo contract) and how oidc-provider finds them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, FindAccount } from 'oidc-provider';

interface DemoAccount {
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'alice', password: 'wonderland', name: 'Alice Liddell' },
  { username: 'bob', password: 'builder', name: 'Bob the Builder' },
];

const byUsername = new Map(DEMO_ACCOUNTS.map((account) => [account.username, account]));

/** The display name of an account, or undefined for an unknown id. */
export function accountName(accountId: string): string | undefined {
  return byUsername.get(accountId)?.name;
}

/**
 * Returns the account id (the username, which is also the token `sub`) when the credentials match.
 *
 * Passwords are compared as SHA-256 digests with `timingSafeEqual`, and an unknown username is
 * compared against a dummy, so the answer takes about as long whichever part was wrong.
 */
export function verifyCredentials(username: string, password: string): string | undefined {
  const account = byUsername.get(username);
  const expected = digest(account?.password ?? 'no such account');
  const matches = timingSafeEqual(digest(password), expected);
  return account && matches ? account.username : undefined;
}

/** oidc-provider's account lookup: the claims released for `openid` and `profile`. */
export const findAccount: FindAccount = (_ctx, id): Account | undefined => {
  const account = byUsername.get(id);
  if (!account) {
    return undefined;
  }
  return {
    accountId: account.username,
    claims: () => ({
      sub: account.username,
      name: account.name,
      preferred_username: account.username,
    }),
  };
};

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
