/** /start, /help (only what the user's role may use) and /whoami. */
import { Composer } from 'grammy';
import { noMoreArgs } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { b, code, escapeHtml } from '../format/html.js';
import { fmtDateTime } from '../format/numbers.js';
import type { Kit } from '../kit.js';
import { accountHtml } from '../kit.js';
import { ALERT_KINDS, dailyChartOn } from '../ports.js';
import type { Role } from '../ports.js';

const ROLE_TEXT: Record<Role, string> = {
  admin: 'admin: you can do everything',
  owner: 'owner: you manage your own follower accounts',
  viewer: 'viewer: you can look, not change',
};

export function helpText(kit: Kit, role: Role): string {
  const lines = [b('Commands'), ...kit.registry.forRole(role).map((s) => `${escapeHtml(s.usage)} — ${escapeHtml(s.description)}`)];
  lines.push('', '<i>Accounts: id, id prefix or nickname. Without arguments a command offers buttons.</i>');
  return lines.join('\n');
}

export function helpFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  kit.command(composer, {
    name: 'start',
    usage: '/start',
    description: 'welcome and your role',
    roles: ALL_ROLES,
    async run(ctx) {
      const user = userOf(ctx);
      await kit.reply(ctx, `👋 fxmirror trade copier. You are ${b(ROLE_TEXT[user.role])}.\nSend /help for the commands, /status for the copier.`);
    },
  });

  kit.command(composer, {
    name: 'help',
    usage: '/help',
    description: 'this list',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 0, '/help');
      await kit.reply(ctx, helpText(kit, userOf(ctx).role));
    },
  });

  kit.command(composer, {
    name: 'whoami',
    usage: '/whoami',
    description: 'your id, role and alert settings',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 0, '/whoami');
      const user = userOf(ctx);
      const lines = [
        `Id: ${code(String(user.id))}`,
        `Name: ${escapeHtml(user.name ?? ctx.from?.first_name ?? '—')}`,
        `Role: ${b(user.role)}${kit.admins.has(user.id) ? ' (from FXMIRROR_ADMINS)' : ''}`,
      ];
      if (user.addedAt > 0) lines.push(`Added: ${fmtDateTime(user.addedAt)}`);
      if (user.role === 'owner') {
        const mine = await kit.manageableFollowers(user);
        lines.push(`Your followers: ${mine.length === 0 ? 'none yet (an admin assigns them)' : mine.map(accountHtml).join(', ')}`);
      }
      lines.push(`Alerts: ${ALERT_KINDS.map((k) => `${k} ${user.alerts[k]}`).join(', ')}; dailychart ${dailyChartOn(user) ? 'on' : 'off'}`);
      await kit.reply(ctx, lines.join('\n'));
    },
  });

  return composer;
}
