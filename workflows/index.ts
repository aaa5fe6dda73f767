/** The worker's workflow entry point: every workflow type the service runs. */
export { searchNumbers, buyNumber, configureNumber, releaseNumber } from './number-operations';
export { bulkBuyNumbers, buyNumbersBatch } from './bulk-buy';
export { bulkReleaseNumbers, releaseNumbersBatch } from './bulk-release';
export { a2pRegistration } from './a2p-registration';
export {
  a2pCreateBusinessProfile,
  a2pSubmitBusinessProfile,
  a2pRegisterBrandAction,
  a2pRefreshStatus,
  a2pCreateCampaignAction,
  a2pAssignNumbers,
} from './a2p-actions';
export { sipTrunkOperation, sipInspectTrunk } from './sip-trunk';
export { lookupNumber, bulkLookupNumbers } from './lookups';
export { healthPass } from './health-pass';
export { rotationPass, rotateNumber } from './rotation-pass';
export { voiceTrustRegistration } from './voice-trust';
export { tollfreeVerification } from './tollfree';
