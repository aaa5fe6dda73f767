/**
 * The ONE place listing what the project sends to Twilio that Twilio's OpenAPI documents
 * (../shared/twilio-oai) do not describe, each with the reason it is sent anyway. The sandbox validates
 * every other request against its operation in those documents (sandbox/openapi-requests.ts) and refuses
 * to start if it serves a Twilio route that is neither an operation there nor listed here.
 * Keys are `METHOD spec-path`, the path written as the spec writes it (`{Param}`).
 */

/** Endpoints Twilio documents and serves whose path has no operation in the spec. Not validated. */
export const routesWithoutOperation: Readonly<Record<string, string>> = {
  'POST /v1/a2p/BrandRegistrations/{BrandRegistrationSid}/2fa':
    'Documented by Twilio (re-send the Authentication+ 2FA email of a public/for-profit brand); the spec declares the path ' +
    'with no operation, so the SDK has no method for it: activities/a2p/registration.ts sends it with the SDK\'s raw request.',
};

/**
 * Parameters the project sends that the operation does not declare, though Twilio accepts them.
 * Listed ones are neither refused nor counted as violations.
 */
export const parametersOutsideSpec: Readonly<Record<string, Readonly<Record<string, string>>>> = {};
