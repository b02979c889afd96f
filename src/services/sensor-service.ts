import path from 'node:path';
import { SensorService } from '../sensors/index.js';
import type { SharedParts } from './service-kit.js';

/**
 * The sensor service, made before the API (which shows its processes' status) and started after
 * it. `holder` is its name in the sensor leadership; unless it is the only process on its
 * database, it reports its sensors' status and logs there under that name.
 */
export function createSensorService(shared: SharedParts, holder: string): SensorService {
  const { config, store, bus, log } = shared;
  return new SensorService({
    store,
    bus,
    log,
    ingest: shared.ingest,
    config: config.sensors,
    logLevel: config.log.level,
    logDir: path.join(config.home, 'logs', 'sensors'),
    baseEnv: shared.options.baseEnv,
    containment: shared.containment(),
    ledgerDir: path.join(config.home, 'run', 'sensors'),
    credentials: shared.serviceTokens,
    ...(shared.isExclusive ? {} : { reportAs: holder }),
  });
}
