import type { Command } from 'commander';
import type { MeJson, SessionJson } from '../../api-contract/index.js';
import { readCliEnvironment, resolveHome } from '../../config/cli-environment.js';
import { AppError } from '../../domain/index.js';
import { ApiClient, DEFAULT_API_URL } from '../api-client.js';
import { findProfile, profileAccessToken, readUpUrl, resolveConnection, sessionProfile } from '../connection.js';
import { type GlobalOptions, createContext } from '../context.js';
import { writeErr, writeOut } from '../output.js';
import { printDocument } from '../print.js';
import { DEFAULT_PROFILE, ProfileStore, withoutTokens } from '../profiles.js';
import { prompt, readPassword } from '../prompt.js';

const AUTH_HELP = `
The CLI finds its credentials in this order: --token, $ATTUNE_API_TOKEN, the profile
(--profile, $ATTUNE_PROFILE, else "default"), then the <home>/cli-token that "attune up"
wrote for the CLI on its own machine. Profiles live in $XDG_CONFIG_HOME/attune/profiles.yaml
(~/.config/attune/profiles.yaml), mode 0600.

Examples:
  $ attune auth login --api-url https://attune.example.com --login alice
  $ attune auth login --profile lab --api-url http://lab:8080 --login ci --password-stdin < pw.txt
  $ attune auth whoami
  $ curl -H "Authorization: Bearer $(attune auth token)" http://127.0.0.1:8080/api/v1/rules
  $ attune auth logout`;

export function registerAuthCommands(program: Command): void {
  const auth = program.command('auth').description('log in and out of an Attune API; print a token for curl').addHelpText('after', AUTH_HELP);

  auth
    .command('login')
    .description('log in with a login and password; the profile keeps the API URL and a refresh token')
    .option('--login <login>', 'the login (asked for when not given)')
    .option('--password-stdin', 'read the password from the first line of stdin (else it is asked for, not echoed)')
    .addHelpText('after', '\nExample:\n  $ attune auth login --api-url https://attune.example.com --login alice')
    .action(async (options: { login?: string; passwordStdin?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const env = readCliEnvironment();
      const name = global.profile ?? env.profile ?? DEFAULT_PROFILE;
      const store = new ProfileStore(env.profilesFile);
      const apiUrl = global.apiUrl ?? env.apiUrl ?? (await store.get(name))?.api_url ?? (await readUpUrl(resolveHome(global.home))) ?? DEFAULT_API_URL;
      const login = options.login ?? (await prompt('Login: '));
      const password = await readPassword(options.passwordStdin);
      const client = new ApiClient({ baseUrl: apiUrl });
      const session = await client.auth<SessionJson>('POST', '/login', { login, password });
      await store.save(name, sessionProfile(client.baseUrl, session));
      writeOut(`logged in to ${client.baseUrl} as ${session.user.login} (profile "${name}" in ${store.file})`);
    });

  auth
    .command('logout')
    .description("revoke the profile's refresh token and forget its tokens (the API URL is kept)")
    .addHelpText('after', '\nExample:\n  $ attune auth logout --profile lab')
    .action(async (_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const found = await findProfile({ ...global, home: undefined }, readCliEnvironment(), false);
      if (!found) throw new AppError('ERR_CLI_USAGE', 'no profile to log out of (attune auth login makes one)');
      const { store, name } = found;
      try {
        const token = await profileAccessToken(store, name, found.profile);
        const profile = await store.get(name);
        if (token !== undefined && profile?.refresh_token) {
          await new ApiClient({ baseUrl: profile.api_url, token }).auth('POST', '/logout', { refresh_token: profile.refresh_token });
        }
      } catch (error) {
        // The tokens are forgotten here all the same (a server gone for good must not keep them
        // on disk), and the user is told the server may still honour the refresh token.
        const reason = error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
        writeErr(`the refresh token could not be revoked on the server (${reason}); it expires by itself`);
      }
      await store.save(name, withoutTokens(found.profile));
      writeOut(`logged out of ${found.profile.api_url} (profile "${name}")`);
    });

  auth
    .command('whoami')
    .description('who the CLI is logged in as, how, and with which permission sets')
    .addHelpText('after', '\nExample:\n  $ attune auth whoami -o yaml')
    .action(async (_options: unknown, command: Command) => {
      const context = createContext(command);
      const client = await context.client();
      const me = await client.auth<MeJson>('GET', '/me');
      if (context.mode !== 'table') return printDocument(context, me);
      await printDocument(context, { login: me.user.login, kind: me.user.kind, via: me.via, permission_sets: me.user.permission_sets.join(', ') || '-', api_url: client.baseUrl });
    });

  auth
    .command('token')
    .description('print a valid access token on the last line of stdout (refreshed when needed), for curl and scripts')
    .addHelpText('after', '\nExample:\n  $ TOKEN=$(attune auth token | tail -n 1)')
    .action(async (_options: unknown, command: Command) => {
      const { token } = await resolveConnection(command.optsWithGlobals<GlobalOptions>());
      if (token === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'not logged in: attune auth login (or run it on the machine of attune up, with its --home)');
      if (process.stdout.isTTY) writeErr('(a bearer token: keep it out of shell history and logs)');
      writeOut(token);
    });
}
