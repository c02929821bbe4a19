/**
 * /app: opens the Mini App (the dashboard served by src/webapp). With a public HTTPS URL it answers with a `web_app`
 * button (Telegram opens it with signed initData); in the terminal demo it prints a one-time login link instead.
 * `setWebAppMenuButton` puts the same URL behind the chat's menu button.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { Api } from 'grammy';
import { noMoreArgs } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import type { Kit } from '../kit.js';
import type { BotLogger } from '../ports.js';

/** How the chat reaches the Mini App. */
export interface WebAppLink {
  /** The public HTTPS URL (FXMIRROR_WEBAPP_PUBLIC_URL): /app answers with a web_app button; null when unset. */
  url: string | null;
  /** Demo only (no bot token): a fresh single-use login link for the terminal chat's user; null while it is not running. */
  demoLoginLink?: () => string | null;
}

/** The text on the web_app buttons. */
export const WEB_APP_BUTTON_TEXT = '📊 Dashboard';

const USAGE = '/app';

export function webAppFeature(kit: Kit, link: WebAppLink | null): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  if (link === null) return composer;
  kit.command(composer, {
    name: 'app',
    usage: USAGE,
    description: 'open the dashboard (Mini App)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 0, USAGE);
      if (link.demoLoginLink !== undefined) {
        const url = link.demoLoginLink();
        if (url === null) return kit.reply(ctx, 'The dashboard is not running; the log says why.');
        return kit.reply(ctx, `📊 Dashboard (demo only; this link logs in once, as you):\n${escapeHtml(url)}`);
      }
      if (link.url === null) {
        return kit.reply(ctx, 'The dashboard has no public HTTPS address yet: the operator sets FXMIRROR_WEBAPP_PUBLIC_URL (see the README).');
      }
      // Telegram accepts web_app buttons in private chats only.
      if (ctx.chat !== undefined && ctx.chat.type !== 'private') {
        return kit.reply(ctx, 'Open the dashboard from your private chat with me: send /app there.');
      }
      return kit.reply(ctx, 'Your dashboard: followers, open copies and recent alerts.', { keyboard: new InlineKeyboard().webApp(WEB_APP_BUTTON_TEXT, link.url) });
    },
  });
  return composer;
}

/** Sets the default menu button of private chats to open the Mini App. Failures are logged, never thrown. */
export async function setWebAppMenuButton(api: Pick<Api, 'setChatMenuButton'>, url: string, log: BotLogger): Promise<boolean> {
  try {
    await api.setChatMenuButton({ menu_button: { type: 'web_app', text: WEB_APP_BUTTON_TEXT, web_app: { url } } });
    return true;
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'setChatMenuButton failed; /app still opens the dashboard');
    return false;
  }
}
