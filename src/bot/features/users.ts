/**
 * /users (admin): list, add, remove, set role, and assign a follower to its owner.
 *   /users · /users <id> · /users add <id> <role> [name] · /users remove <id> · /users role <id> <role>
 *   /users own <id> <follower> · /users disown <follower>
 */
import { Composer } from 'grammy';
import { followerRef, keyArg, noMoreArgs, parseArg, roleArg, userIdArg } from '../args.js';
import { ADMINS } from '../commands.js';
import { DeniedError, userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { b, code, escapeHtml } from '../format/html.js';
import { fmtDateTime } from '../format/numbers.js';
import type { Kit } from '../kit.js';
import { accountHtml } from '../kit.js';
import { defaultAlerts, ROLES } from '../ports.js';
import type { ChatUser } from '../ports.js';

const USAGE = '/users [<id> | add <id> <role> [name] | remove <id> | role <id> <role> | own <id> <follower> | disown <follower>]';
const ACTIONS = ['add', 'remove', 'role', 'own', 'disown', 'list'];

export function usersFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const label = (u: ChatUser): string =>
    `${code(String(u.id))}${u.name === null || u.name === '' ? '' : ` ${escapeHtml(u.name)}`} · ${b(u.role)}${kit.admins.has(u.id) ? ' (env)' : ''}`;
  const listUsers = (): ChatUser[] => {
    const byId = new Map(kit.users.list().map((u) => [u.id, u] as const));
    for (const id of kit.admins) if (!byId.has(id)) byId.set(id, { id, role: 'admin', name: null, addedAt: 0, alerts: defaultAlerts() });
    return [...byId.values()].sort((a, b2) => ROLES.indexOf(a.role) - ROLES.indexOf(b2.role) || a.id - b2.id);
  };
  const guardEnvAdmin = (id: number, what: string): void => {
    if (kit.admins.has(id)) throw new DeniedError(`${id} is an admin from FXMIRROR_ADMINS; ${what} is done there, not in the chat.`);
  };

  kit.command(composer, {
    name: 'users',
    usage: USAGE,
    description: 'chat users and roles (admin)',
    roles: ADMINS,
    async run(ctx, tokens) {
      const me = userOf(ctx);
      if (tokens.length === 0 || tokens[0]?.toLowerCase() === 'list') {
        noMoreArgs(tokens, 1, USAGE);
        const all = listUsers();
        const lines = [b(`Users (${all.length})`), ...all.map((u) => `• ${label(u)}`), '', '<i>/users add &lt;id&gt; &lt;role&gt; [name] to add someone.</i>'];
        return kit.reply(ctx, lines.join('\n'), {
          keyboard: kit.picker(all.filter((u) => !kit.admins.has(u.id)).map((u) => ({ label: `✏️ ${u.name ?? u.id} (${u.role})`, line: `/users ${u.id}` }))),
        });
      }
      // "/users <id>": one user's card with buttons.
      if (/^\d+$/.test(tokens[0] ?? '')) {
        noMoreArgs(tokens, 1, USAGE);
        const id = parseArg(userIdArg, tokens[0], USAGE);
        const u = listUsers().find((x) => x.id === id);
        if (u === undefined) return kit.reply(ctx, `No user ${id}. Add with /users add ${id} &lt;role&gt;.`);
        const lines = [label(u), u.addedAt > 0 ? `Added ${fmtDateTime(u.addedAt)}` : ''];
        if (u.role === 'owner') {
          const owned = (await kit.control.listAccounts()).filter((a) => a.role === 'follower' && kit.followerConfig(a.id)?.ownerUserId === u.id);
          lines.push(`Owns: ${owned.length === 0 ? 'nothing yet (/users own)' : owned.map(accountHtml).join(', ')}`);
        }
        if (kit.admins.has(u.id)) return kit.reply(ctx, lines.filter((l) => l !== '').join('\n'));
        return kit.reply(ctx, lines.filter((l) => l !== '').join('\n'), {
          keyboard: kit.picker(
            [
              ...ROLES.filter((r) => r !== u.role).map((r) => ({ label: `Make ${r}`, line: `/users role ${u.id} ${r}` })),
              { label: '🗑 Remove', line: `/users remove ${u.id}` },
            ],
            3,
          ),
        });
      }
      const action = parseArg(keyArg('action', ACTIONS), tokens[0], USAGE);
      switch (action) {
        case 'add': {
          const id = parseArg(userIdArg, tokens[1], '/users add <id> <role> [name]');
          const role = parseArg(roleArg, tokens[2], '/users add <id> <role> [name]');
          const name = tokens.slice(3).join(' ').slice(0, 64) || null;
          const known = kit.users.get(id);
          if (kit.admins.has(id)) guardEnvAdmin(id, 'changing it');
          await kit.users.upsert({ id, role, name: name ?? known?.name ?? null, addedAt: known?.addedAt ?? kit.clock.now(), alerts: known?.alerts ?? defaultAlerts() });
          kit.userChanged(id);
          return kit.reply(ctx, `✅ ${known === undefined ? 'Added' : 'Updated'} ${code(String(id))}${name === null ? '' : ` ${escapeHtml(name)}`} as ${b(role)}.${role === 'owner' ? ' Assign followers with /users own.' : ''}`);
        }
        case 'remove': {
          noMoreArgs(tokens, 2, '/users remove <id>');
          const id = parseArg(userIdArg, tokens[1], '/users remove <id>');
          guardEnvAdmin(id, 'removing it');
          if (id === me.id) throw new DeniedError('You cannot remove yourself; ask another admin.');
          const removed = await kit.users.remove(id);
          kit.userChanged(id);
          return kit.reply(ctx, removed ? `✅ Removed ${code(String(id))}; the bot no longer answers them.` : `No user ${id}.`);
        }
        case 'role': {
          noMoreArgs(tokens, 3, '/users role <id> <role>');
          const id = parseArg(userIdArg, tokens[1], '/users role <id> <role>');
          const role = parseArg(roleArg, tokens[2], '/users role <id> <role>');
          guardEnvAdmin(id, 'changing its role');
          if (id === me.id && role !== 'admin') throw new DeniedError('You cannot demote yourself; ask another admin.');
          const known = kit.users.get(id);
          if (known === undefined) return kit.reply(ctx, `No user ${id}. Add with /users add ${id} ${role}.`);
          await kit.users.upsert({ ...known, role });
          kit.userChanged(id);
          return kit.reply(ctx, `✅ ${code(String(id))} ${escapeHtml(known.name ?? '')} is now ${b(role)}.`);
        }
        case 'own':
        case 'disown': {
          const usage = action === 'own' ? '/users own <id> <follower>' : '/users disown <follower>';
          noMoreArgs(tokens, action === 'own' ? 3 : 2, usage);
          const id = action === 'own' ? parseArg(userIdArg, tokens[1], usage) : null;
          const follower = await kit.resolve(parseArg(followerRef, tokens[action === 'own' ? 2 : 1], usage));
          if (id !== null && kit.users.get(id)?.role !== 'owner') throw new DeniedError(`${id} is not an owner; /users role ${id} owner first.`);
          await kit.control.setOwner(follower.id, id);
          if (id !== null) kit.userChanged(id);
          return kit.reply(ctx, id === null ? `✅ ${accountHtml(follower)} has no owner now.` : `✅ ${accountHtml(follower)} belongs to ${code(String(id))} now.`);
        }
        default:
          return kit.reply(ctx, `Usage: ${escapeHtml(USAGE)}`);
      }
    },
  });
  return composer;
}
