/**
 * @twilio-pro/react: React hooks for the twilio-pro API on TanStack Query. The seed's three hooks
 * (useTwilioAdvancedManagement, useTwilioSIPTrunking, useTwilioA2PRegistration) with its names and
 * argument orders, and the live hooks an app needs beside them: useJob, useRegistration, useTrunk, …
 */
export { TwilioProProvider, useTwilioProClient, type TwilioProProviderProps } from './context.js';
export { useTwilioAdvancedManagement, useNumbers, useAvailableNumbers, type NumberConfig } from './numbers.js';
export { useJob, useJobs, useJobItems, jobProgress, type JobProgress } from './jobs.js';
export { useTwilioSIPTrunking, useTrunk, useTrunks, type OriginationUriConfig } from './sip.js';
export { useTwilioA2PRegistration, useRegistration, useRegistrations, usePreflight } from './a2p.js';
export { queryKeys } from './keys.js';
export { useDebouncedValue } from './debounce.js';
export { rootKey } from './calls.js';
export * from '@twilio-pro/client';
