import type { Connection, WorkflowClientInterceptor } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import proto from '@temporalio/proto';
import { TENANT_ID_SEARCH_ATTRIBUTE, tenantOfWorkflowId } from '../../schemas/kit/workflow-ids';

type StartOptions = { workflowId: string; typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes };

/** The start's search attributes with `TenantId` added from the workflow id (one already given is kept). */
export function withTenantSearchAttribute<O extends StartOptions>(options: O): O {
  const tenantId = tenantOfWorkflowId(options.workflowId);
  if (!tenantId) return options;
  const given = options.typedSearchAttributes;
  const pairs = given instanceof TypedSearchAttributes ? given.getAll() : (given ?? []);
  if (pairs.some((p) => p.key.name === TENANT_ID_SEARCH_ATTRIBUTE.name)) return options;
  return { ...options, typedSearchAttributes: [...pairs, { key: TENANT_ID_SEARCH_ATTRIBUTE, value: tenantId }] };
}

/** Every workflow the API starts (or signals-with-start) carries its tenant as the `TenantId` search attribute. */
export function tenantSearchAttributeClientInterceptor(): WorkflowClientInterceptor {
  return {
    startWithDetails: (input, next) => next({ ...input, options: withTenantSearchAttribute(input.options) }),
    signalWithStart: (input, next) => next({ ...input, options: withTenantSearchAttribute(input.options) }),
  };
}

/**
 * Registers `TenantId` (Keyword) in the namespace when it is missing, as the dev server does with
 * `--search-attribute`. On a cluster where this service may not add search attributes (Temporal Cloud,
 * a locked-down operator role) the operator registers it once: `temporal operator search-attribute
 * create --name TenantId --type Keyword`.
 */
export async function ensureTenantSearchAttribute(connection: Connection, namespace: string): Promise<'present' | 'added'> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  if (customAttributes?.[TENANT_ID_SEARCH_ATTRIBUTE.name] !== undefined) return 'present';
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: { [TENANT_ID_SEARCH_ATTRIBUTE.name]: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
  });
  return 'added';
}
