/** Builds the reports over a running engine: what they read of it (broker, clock, configuration, journal) and no more. */
import type { CopyEngine } from '../engine.js';
import { ReportSource, type ReportSourceOptions } from './report-source.js';
import { Reports } from './reports.js';

export function createReports(engine: CopyEngine, options: Partial<ReportSourceOptions> = {}): Reports {
  const source = new ReportSource(
    {
      broker: engine.broker,
      clock: engine.clock,
      log: engine.log.child({ component: 'reports' }),
      magic: engine.options.magic,
      accountName: (id) => engine.accountName(id),
      followerConfig: (id) => engine.followerConfig(id),
      masterIds: () => engine.state.data.masters.map((m) => m.accountId),
      journal: () => engine.state.data.journal,
    },
    options,
  );
  return new Reports(source, engine.clock);
}
