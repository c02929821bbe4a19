/**
 * The outbox against a real HTTP server playing the Bot API: 429 storms (retry_after honoured, order per chat kept),
 * 5xx with backoff, edits, splitting, permanent refusals, and a Telegram that does not answer at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { serverError, tooManyRequests } from './fake-bot-api.js';
import { setup, teardown, textsTo } from './outbox-rig.js';

afterEach(teardown);

const msg = (chatId: number, text: string, extra: { silent?: boolean; routine?: boolean; kind?: string } = {}) => ({
  chatId,
  text,
  silent: extra.silent ?? true,
  routine: extra.routine ?? true,
  kind: extra.kind ?? 'copies',
});

describe('outbox', () => {
  it('sends in order per chat with HTML, silence and no link previews', async () => {
    const { server: s, outbox: o } = await setup();
    for (let i = 0; i < 5; i++) o.enqueue(msg(1, `a${i}`));
    o.enqueue(msg(2, '<b>loud</b>', { silent: false, routine: false, kind: 'rejections' }));
    expect(await o.flush(5000)).toBe(true);
    expect(textsTo(s, 1)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    const loud = s.delivered().find((r) => Number(r.body.chat_id) === 2);
    expect(loud?.body).toMatchObject({ parse_mode: 'HTML', disable_notification: false, link_preview_options: { is_disabled: true } });
    expect(s.delivered().find((r) => Number(r.body.chat_id) === 1)?.body.disable_notification).toBe(true);
    expect(o.stats()).toMatchObject({ queued: 0, sent: 6, failed: 0, collapsed: 0 });
  });

  it('under a 429 storm honours retry_after and keeps the order per chat', async () => {
    const { server: s, outbox: o } = await setup();
    // Every third request is refused with retry_after 1 s.
    s.setHandler((r) => (r.n % 3 === 0 ? tooManyRequests(1) : 'default'));
    for (let i = 0; i < 4; i++) {
      o.enqueue(msg(1, `a${i}`));
      o.enqueue(msg(2, `b${i}`));
    }
    expect(await o.flush(15_000)).toBe(true);
    expect(textsTo(s, 1)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(textsTo(s, 2)).toEqual(['b0', 'b1', 'b2', 'b3']);
    // After each refusal the same chat waited at least retry_after before its next request.
    const throttled = s.requests.filter((r) => r.n % 3 === 0);
    expect(throttled.length).toBeGreaterThan(0);
    expect(o.stats().throttled).toBe(throttled.length);
    for (const t of throttled) {
      const next = s.requests.find((r) => r.n > t.n && r.body.chat_id === t.body.chat_id);
      expect(next).toBeDefined();
      expect((next?.at ?? 0) - t.at).toBeGreaterThanOrEqual(950);
    }
    expect(o.stats().failed).toBe(0);
  }, 20_000);

  it('retries 5xx with a bounded backoff, then delivers', async () => {
    const { server: s, outbox: o } = await setup();
    let failures = 2;
    s.setHandler(() => (failures-- > 0 ? serverError : 'default'));
    o.enqueue(msg(1, 'x'));
    expect(await o.flush(5000)).toBe(true);
    expect(textsTo(s, 1)).toEqual(['x']);
    expect(o.stats()).toMatchObject({ retried: 2, sent: 1 });
  });

  it('gives up after its attempts, logs it and says so in the next message', async () => {
    const { server: s, outbox: o, log } = await setup({ maxAttempts: 3 });
    let failures = 3;
    s.setHandler(() => (failures-- > 0 ? serverError : 'default'));
    o.enqueue(msg(1, 'lost', { routine: false, kind: 'rejections' }));
    o.enqueue(msg(1, 'next'));
    expect(await o.flush(5000)).toBe(true);
    expect(textsTo(s, 1)).toEqual(['⚠️ 1 earlier message could not be delivered (see logs).\nnext']);
    expect(o.stats().failed).toBe(1);
    expect(log.lines.some((l) => l.level === 'error' && /gave up/.test(l.msg ?? ''))).toBe(true);
  });

  it('drops a permanently refused message with a log line, and resends refused HTML as text', async () => {
    const { server: s, outbox: o, log } = await setup();
    s.setHandler((r) =>
      Number(r.body.chat_id) === 5
        ? { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }
        : r.body.parse_mode === 'HTML' && String(r.body.text).includes('<broken')
          ? { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: can't parse entities" } }
          : 'default',
    );
    o.enqueue(msg(5, 'blocked'));
    o.enqueue(msg(6, 'a <broken tag'));
    expect(await o.flush(5000)).toBe(true);
    expect(o.stats().failed).toBe(1);
    expect(log.lines.some((l) => l.level === 'error' && /refused/.test(l.msg ?? ''))).toBe(true);
    expect(textsTo(s, 6)).toEqual(['a <broken tag']);
    const plain = s.delivered().find((r) => Number(r.body.chat_id) === 6);
    expect(plain?.body.parse_mode).toBeUndefined();
  });

  it('splits long messages under 4096 characters on line boundaries', async () => {
    const { server: s, outbox: o } = await setup();
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'y'.repeat(20)}`);
    o.enqueue(msg(1, lines.join('\n'), { routine: false, kind: 'daily' }));
    expect(await o.flush(5000)).toBe(true);
    const parts = textsTo(s, 1);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(lines.join('\n'));
  });

  it('edits the message a ref created; an edit for a still-queued message merges into it', async () => {
    const { server: s, outbox: o } = await setup();
    o.enqueue({ ...msg(1, 'lost', { routine: false, kind: 'connection' }), ref: { key: 'conn:a', op: 'create' } });
    expect(await o.flush(5000)).toBe(true);
    o.enqueue({ ...msg(1, 'restored', { routine: false, kind: 'connection' }), ref: { key: 'conn:a', op: 'edit' } });
    expect(await o.flush(5000)).toBe(true);
    const edit = s.delivered('editMessageText')[0];
    expect(edit?.body).toMatchObject({ chat_id: 1, message_id: 1, text: 'restored' });
    // Both before the first is sent: one message with the final text.
    s.setHandler(() => 'hang');
    o.enqueue(msg(2, 'head'));
    o.enqueue({ ...msg(2, 'lost', { routine: false, kind: 'connection' }), ref: { key: 'conn:b', op: 'create' } });
    o.enqueue({ ...msg(2, 'restored', { routine: false, kind: 'connection' }), ref: { key: 'conn:b', op: 'edit' } });
    s.setHandler(() => 'default');
    expect(await o.flush(5000)).toBe(true);
    expect(textsTo(s, 2).slice(-1)).toEqual(['restored']);
    expect(o.stats().edited).toBe(1);
  });

  it('with a ref memory: edits the messages remembered before it started, and hands on each message it remembers', async () => {
    const remembered: [string, number][] = [];
    // maxRefs 2: of three remembered before, the oldest is forgotten.
    const refMemory = { initial: [['1:conn:old', 3], ['1:conn:a', 7], ['2:conn:a', 8]] as const, remember: (k: string, id: number) => void remembered.push([k, id]) };
    const { server: s, outbox: o } = await setup({ refMemory, maxRefs: 2 });
    o.enqueue({ ...msg(1, 'restored', { routine: false, kind: 'connection' }), ref: { key: 'conn:a', op: 'edit' } });
    o.enqueue({ ...msg(1, 'back', { routine: false, kind: 'connection' }), ref: { key: 'conn:old', op: 'edit' } });
    expect(await o.flush(5000)).toBe(true);
    expect(s.delivered('editMessageText').map((r) => r.body)).toEqual([expect.objectContaining({ chat_id: 1, message_id: 7, text: 'restored' })]);
    // The forgotten one is sent as a new message, remembered, and handed on.
    expect(textsTo(s, 1)).toEqual(['back']);
    expect(remembered).toEqual([['1:conn:old', 1]]);
  });

  it('edits a remembered message only while the text fits: over the limit it sends `whenLong` instead, split', async () => {
    const { server: s, outbox: o } = await setup({ textLimit: 40 });
    o.enqueue({ ...msg(1, 'event: a', { routine: false }), ref: { key: 'copied:e1', op: 'create', whenLong: 'event: a' } });
    expect(await o.flush(5000)).toBe(true);
    o.enqueue({ ...msg(1, 'event: a, b', { routine: false }), ref: { key: 'copied:e1', op: 'edit', whenLong: 'b' } });
    expect(await o.flush(5000)).toBe(true);
    expect(s.delivered('editMessageText').map((r) => r.body.text)).toEqual(['event: a, b']);
    // The whole text no longer fits in one message: what is new comes as a message of its own, the first stays.
    const all = `event: a, b, ${'c'.repeat(40)}`;
    o.enqueue({ ...msg(1, all, { routine: false }), ref: { key: 'copied:e1', op: 'edit', whenLong: `late: ${'c'.repeat(40)}` } });
    expect(await o.flush(5000)).toBe(true);
    expect(s.delivered('editMessageText')).toHaveLength(1);
    expect(textsTo(s, 1).slice(1).join('')).toBe(`late: ${'c'.repeat(40)}`);
    // A create too long for one message is split like any message and not remembered: a later edit is a new message.
    const long = `first ${'d'.repeat(60)}`;
    o.enqueue({ ...msg(2, long, { routine: false }), ref: { key: 'copied:e2', op: 'create', whenLong: long } });
    o.enqueue({ ...msg(2, 'short', { routine: false }), ref: { key: 'copied:e2', op: 'edit', whenLong: 'short' } });
    expect(await o.flush(5000)).toBe(true);
    const two = textsTo(s, 2);
    expect(two.slice(0, -1).join('').replace(/\n/g, '')).toBe(long);
    expect(two.at(-1)).toBe('short');
    expect(s.delivered('editMessageText')).toHaveLength(1);
  });
});
