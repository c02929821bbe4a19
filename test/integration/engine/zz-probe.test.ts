import { it } from 'vitest';
import { startWorld, waitCopied, copiesOn } from '/work/main/test/integration/engine/harness.js';
it('probe', async () => {
  const w = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
  const master = w.sim.account('master');
  const open = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3, stopLoss: 1.075, takeProfit: 1.1 });
  await waitCopied(w, open.order, 'open');
  await new Promise((r) => setTimeout(r, 300));
  await w.engine.idle();
  for (const e of w.events) if (e.type === 'copied') console.log(JSON.stringify(e.event), JSON.stringify(e.legs.map((l) => [l.status, l.reason, l.volume])));
  const placed = master.send({ symbol: 'EURUSD', operation: 'BuyStop', volume: 0.4, price: 1.09 });
  await waitCopied(w, placed.order, 'pending_place');
  await w.engine.idle();
  w.sim.setQuote({ instrument: 'EURUSD' }, 1.0915);
  await waitCopied(w, placed.order, 'open');
  await w.engine.idle();
  console.log(JSON.stringify(w.engine.runtime.ledger.all().filter(l => l.masterTicket === placed.order)));
  await w.close();
});
