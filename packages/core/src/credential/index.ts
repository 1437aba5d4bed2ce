export {
  generateCredential,
  generateCredentialFor,
  parseCredential,
  isValidPrefix,
  checksum,
  ID_LENGTH,
  SECRET_LENGTH,
  CHECK_LENGTH,
  MAX_CREDENTIAL_LENGTH,
  MAX_PREFIX_LENGTH,
} from './credential.js';
export type { MintedCredential, ParsedCredential } from './credential.js';
export { BASE62, randomBase62 } from './base62.js';
