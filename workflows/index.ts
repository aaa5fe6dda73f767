/** The worker's workflow entry point: every workflow type the service runs. */
export { searchNumbers, buyNumber, configureNumber, releaseNumber } from './numbers/number-operations';
export { bulkBuyNumbers, buyNumbersBatch } from './numbers/bulk-buy';
export { bulkReleaseNumbers, releaseNumbersBatch } from './numbers/bulk-release';
export { a2pRegistration } from './a2p/registration';
export {
  a2pCreateBusinessProfile,
  a2pSubmitBusinessProfile,
  a2pRegisterBrandAction,
  a2pRefreshStatus,
  a2pCreateCampaignAction,
  a2pAssignNumbers,
} from './a2p/actions';
export { sipTrunkOperation, sipInspectTrunk } from './sip/trunk';
export { lookupNumber, bulkLookupNumbers } from './lookups/bulk-lookup';
export { healthPass } from './number-health/health-pass';
export { rotationPass, rotateNumber } from './number-health/rotation-pass';
export { voiceTrustRegistration } from './voice-trust/registration';
export { tollfreeVerification } from './tollfree/verification';
export { tenantAccountClose, tenantAccountCreate, tenantAccountStatus } from './platform/tenant-account';
export { numbersTransfer } from './platform/numbers-transfer';
