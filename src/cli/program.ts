import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerActionCommands } from './commands/action.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerDbCommands } from './commands/db.js';
import { registerTransferCommands } from './commands/transfer.js';
import { registerEventCommands } from './commands/event.js';
import { registerExecutionCommands } from './commands/execution.js';
import { registerInquiryCommands } from './commands/inquiry.js';
import { registerKeyCommands } from './commands/key.js';
import { registerPackCommands } from './commands/pack.js';
import { registerPermissionSetCommands } from './commands/permission-set.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRuleCommands } from './commands/rule.js';
import { registerRunCommand } from './commands/run.js';
import { registerSensorCommands } from './commands/sensor.js';
import { registerTokenCommands } from './commands/token.js';
import { registerTriggerCommands } from './commands/trigger.js';
import { registerServiceCommand, registerUpCommand } from './commands/up.js';
import { registerWorkerCommands } from './commands/worker.js';
import { registerUserCommands } from './commands/user.js';
import { OUTPUT_MODES } from './output.js';

/** Builds the `attune` command tree; parsing errors throw (exitOverride) so bin.ts owns exit codes. */
export function buildProgram(): Command {
  const program = new Command('attune')
    .description('Attune: event-driven automation. Talks to the Attune REST API.')
    .version(readVersion(), '-V, --version')
    .option('--api-url <url>', 'API base URL (default: $ATTUNE_API_URL, then the profile, then the running `attune up`, then http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default: $ATTUNE_API_TOKEN, then the profile, then <home>/cli-token)')
    .option('--profile <name>', 'CLI profile of profiles.yaml: API URL and login (default: $ATTUNE_PROFILE, then "default")')
    .option('--home <dir>', 'data directory (default: $ATTUNE_HOME, then ~/.attune)')
    .option('--config <file>', 'config file for `attune up` (default: <home>/attune.yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_MODES).default('table'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Subcommands copy the exitOverride setting when created, so it must be set first.
  registerUpCommand(program);
  registerDbCommands(program);
  registerTransferCommands(program);
  registerPackCommands(program);
  registerActionCommands(program);
  registerRunCommand(program);
  registerExecutionCommands(program);
  registerInquiryCommands(program);
  registerRuleCommands(program);
  registerTriggerCommands(program);
  registerEventCommands(program);
  registerSensorCommands(program);
  registerPolicyCommands(program);
  // One service per process (DESIGN §2); `worker` and `sensor` are command groups as well.
  registerServiceCommand(program, 'api');
  registerServiceCommand(program, 'executor');
  registerServiceCommand(program, 'worker', registerWorkerCommands(program));
  registerServiceCommand(program, 'sensor', program.commands.find((c) => c.name() === 'sensor'));
  registerKeyCommands(program);
  registerAuthCommands(program);
  registerUserCommands(program);
  registerPermissionSetCommands(program);
  registerTokenCommands(program);
  registerAuditCommands(program);
  return program;
}

function readVersion(): string {
  // Same relative location from src/cli/ and dist/cli/.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
}
