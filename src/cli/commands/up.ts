import type { Command } from 'commander';
import { createContext } from '../context.js';

type ServiceCommand = 'api' | 'executor' | 'worker' | 'sensor';

/** Starts the services named in `list` (comma-separated) in this process until SIGINT or SIGTERM. */
async function runServices(command: Command, list: string | undefined): Promise<void> {
  const { options } = createContext(command);
  // Loaded only here: the server's dependencies would slow every other command down.
  const { runServices: run, parseServiceList } = await import('../../main.js');
  await run({ home: options.home, configFile: options.config, ...(list === undefined ? {} : { services: parseServiceList(list) }) });
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start every Attune service (API, executor, worker, sensor) in one process, or those of --services')
    .option('--services <list>', 'comma-separated services to run: api, executor, worker, sensor (default: all)')
    .addHelpText(
      'after',
      '\nSeveral processes on one database need PostgreSQL and RabbitMQ (docs/deploy.md); SQLite admits one process.\n\n' +
        'Examples:\n  $ attune up --home ./data\n  $ attune up --services api,executor',
    )
    .action(async (options: { services?: string }, command: Command) => runServices(command, options.services));
}

const SERVICE_HELP: Record<ServiceCommand, string> = {
  api: 'start the API service alone: the REST API and live stream; the first one on an empty database creates the admin',
  executor: 'start the executor service alone: rules, scheduling, workflows, and the supervisor that abandons executions of dead workers',
  worker: 'start a worker service alone: registers with its runtimes, heart-beats, and runs dispatched actions',
  sensor: 'start the sensor service alone (with a subcommand: inspect sensors)',
};

/**
 * `attune api`, `attune executor`, `attune worker`, `attune sensor`: one service per process
 * (DESIGN §2). `worker` and `sensor` are also command groups: with a subcommand they inspect.
 */
export function registerServiceCommand(program: Command, name: ServiceCommand, existing?: Command): Command {
  const command = existing ?? program.command(name);
  return command
    .description(existing ? `${existing.description()}; without a subcommand, ${SERVICE_HELP[name]}` : SERVICE_HELP[name])
    .addHelpText(
      'after',
      `\nNeeds database.url (postgres://…) and bus.url (amqp://…) shared with the other services; see docs/deploy.md.\n` +
        `Example:\n  $ ATTUNE__DATABASE__URL=postgres://attune@db/attune ATTUNE__BUS__URL=amqp://mq attune ${name}`,
    )
    .action(async (_options: unknown, cmd: Command) => runServices(cmd, name));
}
