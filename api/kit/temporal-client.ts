import { Client, type Connection } from '@temporalio/client';
import type { Config } from '../../config/env';
import { temporalDataConverter } from '../../config/temporal-payload-codec';
import { requestIdClientInterceptor } from './request-context';
import { tenantSearchAttributeClientInterceptor } from './tenant-search-attribute';

/** The API's Temporal client: payloads sealed with the key ring; each start carries the request id and the tenant. */
export function createApiTemporalClient(config: Config, connection: Connection): Client {
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: temporalDataConverter(config),
    interceptors: { workflow: [requestIdClientInterceptor(), tenantSearchAttributeClientInterceptor()] },
  });
}
