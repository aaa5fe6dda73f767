import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { loadConfig, describeConfig, ConfigError } from '../config/env';
import { createLogger } from '../config/logger';
import { createWorker } from './worker';

const log = createLogger('worker');
const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
};
// The SDK's own log lines go through pino too: one JSON format, one redaction list.
Runtime.install({
  // Temporal's own worker metrics (task slots, poll latency, schedule-to-start, ...) for Prometheus.
  ...(process.env.TEMPORAL_METRICS_PORT ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${process.env.TEMPORAL_METRICS_PORT}` } } } } : {}),
  logger: {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => log[levels[level]](meta ?? {}, message),
    trace: (message: string, meta?: LogMetadata) => log.trace(meta ?? {}, message),
    debug: (message: string, meta?: LogMetadata) => log.debug(meta ?? {}, message),
    info: (message: string, meta?: LogMetadata) => log.info(meta ?? {}, message),
    warn: (message: string, meta?: LogMetadata) => log.warn(meta ?? {}, message),
    error: (message: string, meta?: LogMetadata) => log.error(meta ?? {}, message),
  },
});

try {
  const config = loadConfig();
  const { worker, close, warnings } = await createWorker(config);
  for (const warning of warnings) log.warn({ event: 'worker.a2p_setup' }, warning);
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
