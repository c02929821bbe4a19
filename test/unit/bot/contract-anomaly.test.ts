/** The `contract_anomaly` alert: its text, and who hears it at which level (the `connection` alert kind). */
import { describe, expect, it } from 'vitest';
import { formatContractAnomaly } from '../../../src/bot/format/events.js';
import { htmlToText } from '../../../src/bot/format/html.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import { Notifier } from '../../../src/bot/notifier.js';
import type { OutboxMessage } from '../../../src/bot/outbox.js';
import type { ChatUser } from '../../../src/bot/ports.js';
import { defaultFollower } from '../../../src/domain/config.js';
import type { FollowerConfig } from '../../../src/domain/config.js';
import type { StatusView } from '../../../src/engine/control-types.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { chatUser, memoryLog } from './harness.js';

type Anomaly = Extract<CopierEvent, { type: 'contract_anomaly' }>;

const AT = Date.UTC(2026, 10, 25, 10, 2, 11);

function anomaly(over: Partial<Anomaly> = {}): Anomaly {
  return {
    type: 'contract_anomaly',
    at: AT,
    accountId: 'm1',
    accountName: 'Demo Master',
    role: 'master',
    kind: 'ticket_changed_without_deal',
    ticket: 81234567,
    detail: '#81234567 (buy 0.5 EURUSD) left the positions list and #81239999 (buy 0.5 EURUSD) appeared, with no trade frame for either; #81239999 is not copied as a new open',
    ...over,
  };
}

describe('formatContractAnomaly', () => {
  it('names the account, its role and the ticket, and says nothing was done', () => {
    expect(formatContractAnomaly(anomaly())).toBe(
      [
        '⚠️ <b>Feed anomaly on Demo Master</b> (master, ticket #81234567) at 10:02:11 UTC: a position changed its ticket without a deal.',
        '#81234567 (buy 0.5 EURUSD) left the positions list and #81239999 (buy 0.5 EURUSD) appeared, with no trade frame for either; #81239999 is not copied as a new open',
        'Nothing was done about it: no copy, no state changed. Check the account in its terminal; /reconcile shows what differs. Further ticket_changed_without_deal alerts for this ticket are not repeated until the copier restarts.',
      ].join('\n'),
    );
  });

  it('frame anomalies have no ticket; broker text is escaped', () => {
    const unknown = formatContractAnomaly(
      anomaly({ kind: 'unknown_frame', ticket: null, role: 'follower', accountName: 'Apex <live>', detail: 'frame type "order_update" is not in the contract: {"type":"order_update","note":"a<b"}' }),
    );
    expect(unknown.split('\n')[0]).toBe('⚠️ <b>Feed anomaly on Apex &lt;live&gt;</b> (follower) at 10:02:11 UTC: a stream frame of a type the FxSocket contract does not list.');
    expect(unknown).toContain('{"type":"order_update","note":"a&lt;b"}');
    expect(unknown).toContain('Further unknown_frame alerts for this account are not repeated');
    const malformed = formatContractAnomaly(anomaly({ kind: 'malformed_frame', ticket: null, detail: 'malformed frame: data: expected array' }));
    expect(htmlToText(malformed).split('\n')[0]).toBe('⚠️ Feed anomaly on Demo Master (master) at 10:02:11 UTC: a stream frame the copier could not read.');
  });
});

const ADMIN = 1;
const OWNER_A = 2;
const OWNER_B = 3;
const VIEWER = 4;

function setup(users: ChatUser[]) {
  const followers: Record<string, FollowerConfig> = {
    fa: { ...defaultFollower('fa', ['m1']), ownerUserId: OWNER_A },
    fb: { ...defaultFollower('fb', ['m2']), ownerUserId: OWNER_B },
  };
  const status = { followers: Object.values(followers).map((f) => ({ id: f.accountId, masters: f.masters })) } as unknown as StatusView;
  const out: OutboxMessage[] = [];
  const notifier = new Notifier({
    users: createMemoryUsers(users),
    control: {
      follower: (id) => {
        const f = followers[id];
        if (f === undefined) throw new Error('not a follower');
        return f;
      },
      status: () => status,
    },
    outbox: { enqueue: (m) => void out.push(m) },
    log: memoryLog(),
    schedule: () => {},
  });
  return (event: CopierEvent): OutboxMessage[] => {
    notifier.notify(event);
    notifier.drainNow();
    return out.splice(0);
  };
}

describe('notifier: contract anomalies', () => {
  const everyone = () => [chatUser(ADMIN, 'admin'), chatUser(OWNER_A, 'owner'), chatUser(OWNER_B, 'owner'), chatUser(VIEWER, 'viewer')];

  it('loud, under the connection kind; owners hear of their masters and followers only', () => {
    const send = setup(everyone());
    const ofMaster = send(anomaly());
    expect(ofMaster.map((m) => m.chatId).sort()).toEqual([ADMIN, OWNER_A, VIEWER]);
    for (const m of ofMaster) expect(m).toMatchObject({ kind: 'connection', silent: false, routine: false, text: formatContractAnomaly(anomaly()) });
    const ofFollower = send(anomaly({ accountId: 'fb', accountName: 'B', role: 'follower', kind: 'unknown_frame', ticket: null }));
    expect(ofFollower.map((m) => m.chatId).sort()).toEqual([ADMIN, OWNER_B, VIEWER]);
  });

  it('follows each user’s level for connection alerts: silent without sound, off not at all', () => {
    const quiet = { ...chatUser(ADMIN, 'admin'), alerts: { ...chatUser(ADMIN, 'admin').alerts, connection: 'silent' as const } };
    const off = { ...chatUser(VIEWER, 'viewer'), alerts: { ...chatUser(VIEWER, 'viewer').alerts, connection: 'off' as const } };
    const send = setup([quiet, off]);
    const batch = send(anomaly());
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({ chatId: ADMIN, silent: true, kind: 'connection' });
  });
});
