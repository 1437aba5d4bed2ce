/**
 * @tokenkit/core — what an app uses: generators, credentials, keyed hashing,
 * stores, the three managers, errors, events and durations. The
 * framework-neutral HTTP flows the adapters are built on live in
 * `@tokenkit/core/http`. Explicit re-exports only: this list is the public API.
 */
export { tokenBytes, tokenHex, tokenUrlsafe, randomBelow, choice, password, safeEqual, DEFAULT_PASSWORD_ALPHABET } from './random/index.js';
export type { PasswordOptions, CharacterClass } from './random/index.js';

export {
  generateCredential,
  parseCredential,
  isValidPrefix,
  ID_LENGTH,
  SECRET_LENGTH,
  CHECK_LENGTH,
  MAX_CREDENTIAL_LENGTH,
  MAX_PREFIX_LENGTH,
} from './credential/index.js';
export type { MintedCredential, ParsedCredential } from './credential/index.js';

export { KeyedHasher, MIN_SECRET_LENGTH, matchesAnyHash } from './hashing/index.js';

export { MemoryStore, firstUseFailure } from './store/index.js';
export type {
  MemoryStoreOptions,
  Store,
  StoredRecord,
  PutOptions,
  UpdateOptions,
  UsedByPage,
  UsedByPageOptions,
  UseRequest,
  UseResult,
  UseFailure,
  ConsumeResult,
  WindowCount,
  RateLimitRule,
  MaybePromise,
} from './store/index.js';

export { ApiKeys } from './api-keys/index.js';
export type {
  ApiKey,
  ApiKeyRecord,
  ApiKeysOptions,
  CreateApiKeyOptions,
  ApiKeyFailureCode,
  ApiKeyVerifyResult,
} from './api-keys/index.js';

export { ResetTokens } from './reset-tokens/index.js';
export type { ResetToken, ResetTokenRecord, ResetTokensOptions, ResetFailureCode, ResetTokenResult } from './reset-tokens/index.js';

export { Invitations, USED_BY_PREVIEW } from './invitations/index.js';
export type {
  Invitation,
  InvitationRecord,
  InvitationStatus,
  InvitationsOptions,
  CreateInvitationOptions,
  InvitationFailureCode,
  InvitationResult,
  InvitationStats,
} from './invitations/index.js';

export type { ManagerOptions } from './pipeline/credential-pipeline.js';
export type { Meta } from './pipeline/validate.js';

export {
  TokenkitError,
  StoreUnavailableError,
  ConfigError,
  InvalidArgumentError,
  ConflictError,
  isTokenkitError,
  isStoreUnavailableError,
} from './errors.js';
export type { TokenkitErrorCode } from './errors.js';

export { EVENT_CHANNEL, VERIFY_TRACING_CHANNEL } from './events.js';
export type {
  TokenkitEvent,
  TokenkitEventType,
  EventListener,
  VerifyTraceContext,
  ValidateOption,
  WarningCode,
} from './events.js';

export { parseDuration } from './duration.js';
export type { Duration } from './duration.js';
