import { type CreateInvitationOptions, Invitations, type InvitationStatus } from '@tokenkit/core';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { formatTime } from '../format.js';
import { parseDurationFlag, parseInteger } from '../parse.js';
import { type CommandContext, output } from './context.js';
import { addStoreOptions, prepareManager, type StoreOptionValues, withStore } from './store-options.js';
import { invitationDetails, invitationTable, statsDetails } from './views.js';

interface CreateValues extends StoreOptionValues {
  by: string;
  role?: string;
  maxUses?: number;
  expires?: number;
  email?: string;
}

const STATUSES: readonly InvitationStatus[] = ['active', 'exhausted', 'expired', 'revoked'];

async function withInvitations<T>(
  ctx: CommandContext,
  values: StoreOptionValues,
  needsSecret: boolean,
  work: (invites: Invitations) => Promise<T>,
): Promise<T> {
  const options = prepareManager(values, ctx.io.env, needsSecret);
  return withStore(values, ctx.io.env, (store) => work(new Invitations(options(store))));
}

/**
 * `tokenkit invite create|list|revoke|stats`.
 *
 * @param program - the root command
 * @param ctx - the command context
 */
export function registerInvite(program: Command, ctx: CommandContext): void {
  const invite = program.command('invite').summary('create, list and revoke invitation codes in the store (Redis or PostgreSQL)');

  addStoreOptions(
    invite
      .command('create')
      .summary('create an invitation code (printed once)')
      .description('Create an invitation. Prints the code once (send it, never store it), then its record.')
      .requiredOption('--by <id>', 'id of the user who invites')
      .option('--role <role>', 'role granted on redemption (default: member)')
      .option('--max-uses <n>', 'how many different users may redeem it (default: 1)', (v) => parseInteger(v, '--max-uses'))
      .option('--expires <duration>', 'lifetime, e.g. 72h (default: 7d)', (v) => parseDurationFlag(v, '--expires'))
      .option('--email <address>', 'only this address may redeem it (case-insensitive)'),
    'inv',
  ).action(async (values: CreateValues) => {
    const request: CreateInvitationOptions = { createdBy: values.by };
    if (values.role !== undefined) request.role = values.role;
    if (values.maxUses !== undefined) request.maxUses = values.maxUses;
    if (values.expires !== undefined) request.expiresIn = values.expires;
    if (values.email !== undefined) request.email = values.email;
    const created = await withInvitations(ctx, values, true, (invites) => invites.create(request));
    output(
      ctx,
      values.json,
      created,
      () => `${created.code}\n\nThis is the only time the code is shown: send it now.\n\n${invitationDetails(created.invitation)}`,
    );
  });

  addStoreOptions(
    invite
      .command('list')
      .summary('list invitations')
      .description('List invitations, newest first (used, expired and revoked ones stay listed for 7 days).')
      .option('--by <id>', 'only those created by this user')
      .addOption(new Option('--status <status>', 'only those with this status').choices(STATUSES)),
    'inv',
  ).action(async (values: StoreOptionValues & { by?: string; status?: InvitationStatus }) => {
    const filter = { ...(values.by === undefined ? {} : { createdBy: values.by }), ...(values.status ? { status: values.status } : {}) };
    const invites = await withInvitations(ctx, values, false, (i) => i.list(filter));
    output(ctx, values.json, invites, () => (invites.length === 0 ? 'No invitations.\n' : invitationTable(invites)));
  });

  addStoreOptions(
    invite
      .command('revoke')
      .summary('revoke an invitation')
      .description('Revoke an invitation at once (by id, as shown by list).').argument('<id>', 'invitation id'),
    'inv',
  ).action(async (id: string, values: StoreOptionValues) => {
    const inv = await withInvitations(ctx, values, false, (i) => i.revoke(id));
    if (!inv) throw new CliError(`no invitation with id ${JSON.stringify(id)}`);
    output(ctx, values.json, inv, () => `Revoked invitation ${inv.id} (role ${inv.role}, by ${inv.createdBy}) at ${formatTime(inv.revokedAt)}.\n`);
  });

  addStoreOptions(invite.command('stats').summary('count invitations by status').description('Count invitations by status.'), 'inv').action(
    async (values: StoreOptionValues) => {
      const stats = await withInvitations(ctx, values, false, (i) => i.stats());
      output(ctx, values.json, stats, () => statsDetails(stats));
    },
  );
}
