/**
 * A worker process of a cluster: an FxSocket client shared by its partitions, and the ClusterWorker that divides the
 * partitions and master feeds with the other workers. No chat: alerts go to the control process over Redis.
 */
import type { Logger as PinoLogger } from 'pino';
import { engineOptionsFrom } from '../app.js';
import type { Config } from '../config.js';
import { systemClock } from '../engine/clock.js';
import { DEFAULT_SEND_POLICY } from '../engine/batch-sender.js';
import { FxSocketClient } from '../fxsocket/index.js';
import type { ClusterConfig } from './config.js';
import { connectRedis } from './redis.js';
import { ClusterWorker, workerName } from './worker.js';
import { buildVersion } from './version.js';

export interface RunningWorker {
  worker: ClusterWorker;
  stop(): Promise<void>;
}

export async function startClusterWorker(config: Config, cluster: ClusterConfig, log: PinoLogger): Promise<RunningWorker> {
  if (config.apiKey === null) throw new Error('cluster mode needs FXSOCKET_API_KEY: every process must reach the same FxSocket (npm run cluster starts a simulator for it)');
  const redis = await connectRedis(cluster.redisUrl, { name: 'fxmirror-worker' });
  // Terminal order calls are bounded by the same timeout as batches: every guarded call ends inside the lease.
  const client = new FxSocketClient({ apiKey: config.apiKey, apiUrl: config.apiUrl, insecureTls: config.insecureTls, orderTimeoutMs: cluster.batchTimeoutMs, userAgent: `fxmirror/${buildVersion()} (${workerName(cluster)})` });
  const worker = new ClusterWorker({
    redis,
    broker: client,
    cluster,
    clock: systemClock,
    log: log.child({ component: 'worker' }),
    // A batch must end inside the lease (docs/scaling.md): its timeout is the cluster's, not the single process's.
    engineOptions: { ...engineOptionsFrom(config), send: { ...DEFAULT_SEND_POLICY, timeoutMs: cluster.batchTimeoutMs } },
  });
  try {
    await worker.start();
  } catch (error) {
    redis.disconnect();
    await client.close();
    throw error;
  }
  log.info({ worker: worker.id }, 'worker started');
  let stopping: Promise<void> | null = null;
  return {
    worker,
    stop: () =>
      (stopping ??= (async () => {
        await worker.stop();
        await client.close();
        redis.disconnect();
      })()),
  };
}
