/**
 * Framework-neutral pieces of the tokenkit example apps: the Express and Koa
 * apps are thin glue around these, so each page and rule exists once.
 */
export { loadConfig, type ExampleConfig } from './config.js';
export { openStore, type OpenedStore } from './store.js';
export { API_SCOPES, createExample, type Example, type ExampleOptions, INVITE_COOKIE, PATHS, ROLES } from './example.js';
export { banner, type Demo, seedDemo } from './demo.js';
export { main, startExample, type StartedExample, type StartOptions } from './server.js';
export { type User, UserStore, passwordProblem } from './users.js';
export { SessionStore, type Session } from './sessions.js';
export { Outbox, type Email } from './outbox.js';
export type { ScryptCost } from './password-hash.js';
export { dispatch, renderStandalone } from './web/dispatch.js';
export { pageRoutes } from './web/pages.js';
export { ASSETS, SECURITY_HEADERS } from './web/assets.js';
export { apiCreateNote, apiListNotes, apiMe, type ApiResult } from './web/api.js';
export type { Route, WebRequest, WebResponse } from './web/types.js';
export { sendResetEmail } from './pages/emails.js';
export { tokenkitHooks, type TokenkitHooks } from './hooks.js';
