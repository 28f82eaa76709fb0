// ESM entry: `import { Light } from 'light-sdk'`. Same objects as the
// CommonJS entry (one addon instance per environment).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const light = require('./index.js');

export const {
  Light,
  AccountClient,
  PagePromise,
  webhooks,
  events,
  OPERATIONS,
  version,
  LightError,
  APIError,
  APIResponseValidationError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  SignatureVerificationError,
} = light;
export default Light;
