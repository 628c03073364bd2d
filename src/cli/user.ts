// `user promote <email> user|curator|admin` and `user token create <email> [--name N]
// [--scopes read,vote,…] [--expires-days N]` (creates the user when needed and prints only the
// token, for scripts; every scope and no expiry unless told otherwise).
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import { ROLES, type Role } from '../services/accounts.ts';
import type { Command } from './command.ts';
import { parseExpiryDays, parseScopes, TOKEN_SCOPES } from '../domain/token-scopes.ts';

const USAGE = `user promote <email> user|curator|admin | user token create <email> [--name NAME] [--scopes ${TOKEN_SCOPES.join(',')}] [--expires-days N]`;

export const userCommand: Command = {
  name: 'user',
  summary: 'Manage accounts: roles and personal API tokens',
  usage: USAGE,
  options: {
    name: { type: 'string', arg: 'NAME', help: 'token create: a name for the token (default: CLI token)' },
    scopes: { type: 'string', arg: 'LIST', help: `token create: comma-separated scopes (default: all: ${TOKEN_SCOPES.join(',')})` },
    'expires-days': { type: 'string', arg: 'N', help: 'token create: the token expires after N days (default: never)' },
  },
  async run({ values, positionals }) {
    const [verb, ...rest] = positionals;
    const tokenCreate = verb === 'token' && rest[0] === 'create' && rest.length === 2;
    const promote = verb === 'promote' && rest.length === 2;
    if (!tokenCreate && !promote) {
      console.error(`usage: ${USAGE}`);
      return 2;
    }
    if (promote && !ROLES.includes(rest[1] as Role)) {
      console.error(`Role must be one of ${ROLES.join(', ')}, got "${rest[1]}".`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { log: createLogger('silent') });
    try {
      const accounts = pb.community.accounts;
      if (tokenCreate) {
        const user = await accounts.ensureUsername(await accounts.findOrCreate(rest[1]));
        const { token } = await accounts.createToken(user.id, String(values.name ?? 'CLI token'), {
          scopes: parseScopes(values.scopes),
          expiresInDays: parseExpiryDays(values['expires-days']),
        });
        // Only the token on stdout, so `TOKEN=$(npm run -s cli -- user token create me@x)` works.
        console.log(token);
        return 0;
      }
      const user = await accounts.setRole(rest[0], rest[1] as Role);
      await pb.community.audit.record(null, 'user.role', 'user', user.id, { email: user.email, role: user.role, by: 'cli' });
      console.log(`${user.email} is now ${user.role}.`);
      return 0;
    } catch (err) {
      console.error((err as Error).message);
      return 1;
    } finally {
      await pb.close();
    }
  },
};
