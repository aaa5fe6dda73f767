import { loadConfig, describeConfig, ConfigError } from '../config/env';
import { createLogger } from '../config/logger';
import { createWorker } from './worker';

const log = createLogger('worker');
try {
  const config = loadConfig();
  const { worker, close } = await createWorker(config);
  log.info({ event: 'worker.started', ...describeConfig(config) }, 'worker polling');
  // The Temporal runtime turns SIGINT/SIGTERM into a graceful shutdown; run() resolves after it.
  await worker.run();
  await close();
  log.info({ event: 'worker.stopped' }, 'worker stopped');
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  log.error({ err }, 'worker failed');
  process.exit(1);
}
