/**
 * A child process for the multi-process store tests.
 *   writer <dir>   opens the store and writes in a tight loop, printing `flushed <seq>` after each durable flush
 *                  (journal bound 120 rows, so journal.jsonl is compacted every few flushes). Each event also adds
 *                  the link of master ticket `seq`, sets the volume of the link of `seq - 50` to 9 and removes the
 *                  links of tickets up to `seq - 100`, so links.jsonl changes on every write and is compacted often.
 *   hold <dir>     opens the store, prints `ready`, and waits to be killed
 *   open <dir>     tries to open the store once and prints the outcome as JSON
 */
import { FxmirrorError } from '../../../../src/domain/errors.js';
import { openStore } from '../../../../src/store/index.js';

const [mode, dir] = process.argv.slice(2);
if (mode === undefined || dir === undefined) throw new Error('usage: child.ts <writer|hold|open> <dir>');

try {
  // A small journal bound makes the writer compact journal.jsonl every few flushes, so kills land in compactions too.
  const store = await openStore({ dataDir: dir, writeDelayMs: 1, retention: { journalMax: 120 } });
  process.stdout.write(`ready ${JSON.stringify({ startup: store.startup, pid: process.pid })}\n`);
  if (mode === 'open') {
    await store.close();
  } else if (mode === 'hold') {
    setInterval(() => undefined, 60_000);
  } else {
    // Resume the sequence from what is on disk, so each run continues the previous one's numbering.
    let seq = store.state.journal.length === 0 ? 0 : (store.state.journal.at(-1)?.at ?? 0);
    for (;;) {
      for (let i = 0; i < 50; i++) {
        seq++;
        store.appendJournal({
          at: seq, masterId: 'm1', eventId: `d${seq}`, eventKind: 'open', followerId: 'f1', action: 'open',
          status: 'filled', reason: null, detail: { n: seq, pad: 'x'.repeat(200) }, masterTicket: seq,
          followerTicket: seq, symbol: 'EURUSD', volume: 0.1, price: 1.1,
        });
        store.markProcessed('m1', `d${seq}`, seq);
        const links = store.data.links;
        links.push({
          masterId: 'm1', masterTicket: seq, followerId: 'f1', followerTicket: seq, kind: 'position', followerSymbol: 'EURUSD',
          masterSymbol: 'EURUSD', side: 'buy', volume: 0.1, masterVolume: 0.1, openedAt: seq, status: 'open',
        });
        const older = links.find((l) => l.masterTicket === seq - 50);
        if (older) older.volume = 9;
        let stale = 0;
        while (stale < links.length && (links[stale]?.masterTicket ?? Infinity) <= seq - 100) stale++;
        links.splice(0, stale);
        store.changed();
      }
      await store.flush();
      process.stdout.write(`flushed ${seq}\n`);
    }
  }
} catch (err) {
  const code = err instanceof FxmirrorError ? err.code : 'unexpected';
  process.stdout.write(`error ${JSON.stringify({ code, message: (err as Error).message })}\n`);
  process.exitCode = 3;
}
