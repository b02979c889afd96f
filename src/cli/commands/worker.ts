import type { Command } from 'commander';
import type { WorkerJson } from '../../api-contract/index.js';
import { createContext } from '../context.js';
import type { Column } from '../output.js';
import { printList } from '../print.js';

const WORKER_COLUMNS: readonly Column<WorkerJson>[] = [
  { header: 'id', value: (worker) => worker.id },
  { header: 'status', value: (worker) => worker.status },
  { header: 'host', value: (worker) => worker.host },
  { header: 'pid', value: (worker) => String(worker.pid) },
  { header: 'runtimes', value: (worker) => worker.runtimes.join(', ') },
  { header: 'concurrency', value: (worker) => String(worker.concurrency) },
  { header: 'heartbeat', value: (worker) => worker.heartbeat_at },
];

/** `attune worker list` (`attune worker` alone starts a worker: see up.ts). */
export function registerWorkerCommands(program: Command): Command {
  const worker = program.command('worker').description('list workers');
  worker
    .command('list')
    .description('list registered workers, live ones first, with their runtimes and last heart-beat')
    .addHelpText('after', '\nExample:\n  $ attune worker list')
    .action(async (_options: unknown, command: Command) => {
      const context = createContext(command);
      await printList(context, await (await context.client()).list<WorkerJson>('/workers'), WORKER_COLUMNS);
    });
  return worker;
}
