import { type Command, Option } from 'commander';
import type { InquiryJson } from '../../api-contract/index.js';
import { INQUIRY_STATUSES } from '../../domain/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { PARAMS_FILE_HELP } from '../execute.js';
import { type Column, formatScalar, formatTimestamp } from '../output.js';
import { readParamsFile } from '../params-file.js';
import { convertParameters, mergeParameters, parseAssignments } from '../params.js';
import { printDocument, printList } from '../print.js';

const INQUIRY_COLUMNS: readonly Column<InquiryJson>[] = [
  { header: 'id', value: (inquiry) => String(inquiry.id) },
  { header: 'execution', value: (inquiry) => String(inquiry.execution_id) },
  { header: 'status', value: (inquiry) => inquiry.status },
  { header: 'assignee', value: (inquiry) => formatScalar(inquiry.assignee ?? (inquiry.role === null ? null : `role:${inquiry.role}`)) },
  { header: 'prompt', value: (inquiry) => inquiry.prompt },
  { header: 'due', value: (inquiry) => formatTimestamp(inquiry.due_at) },
];

interface ListOptions {
  readonly status?: string;
  readonly execution?: number;
  readonly limit?: number;
  readonly offset?: number;
}

const inquiryId = parsePositiveInteger('inquiry id');

/** `attune inquiry list|show|respond`: the questions workflows ask people (core.ask). */
export function registerInquiryCommands(program: Command): void {
  const inquiry = program.command('inquiry').description('list, show and answer inquiries (the questions core.ask asks)');

  inquiry
    .command('list')
    .description('list inquiries, newest first')
    .addOption(new Option('--status <status>', 'only inquiries in this status').choices(INQUIRY_STATUSES))
    .option('--execution <id>', 'only the inquiry of this core.ask execution', parsePositiveInteger('--execution'))
    .option('--limit <n>', 'at most this many inquiries', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many inquiries', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune inquiry list --status pending')
    .action(async (options: ListOptions, command: Command) => {
      const context = createContext(command);
      const query = { status: options.status, execution: options.execution, limit: options.limit, offset: options.offset };
      await printList(context, await (await context.client()).list<InquiryJson>('/inquiries', query), INQUIRY_COLUMNS);
    });

  inquiry
    .command('show')
    .description('show one inquiry: its prompt, the schema of the answer, who may answer, and the answer')
    .argument('<id>', 'inquiry id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<InquiryJson>(`/inquiries/${inquiryId(id)}`));
    });

  inquiry
    .command('respond')
    .description("answer a pending inquiry; the answer is checked against the inquiry's schema")
    .argument('<id>', 'inquiry id')
    .argument('[fields...]', 'the answer, as key=value (typed by the schema: approved=true)')
    .option('--params-file <file>', PARAMS_FILE_HELP.replace('parameters', 'the answer'))
    .addHelpText(
      'after',
      '\nOnly the assignee (or a holder of its role, or an admin) may answer, and never the identity that\nstarted the workflow when the inquiry forbids it.\n\nExamples:\n  $ attune inquiry respond 3 approved=true note="ship it"\n  $ attune inquiry respond 3 --params-file answer.yaml',
    )
    .action(async (id: string, fields: string[], options: { paramsFile?: string }, command: Command) => {
      const context = createContext(command);
      const client = await context.client();
      // The schema's declared types decide how each value is converted, so fetch it first.
      const found = await client.get<InquiryJson>(`/inquiries/${inquiryId(id)}`);
      const fromArgs = convertParameters(parseAssignments(fields), found.schema);
      const fromFile = options.paramsFile === undefined ? {} : await readParamsFile(options.paramsFile);
      const response = options.paramsFile === undefined ? fromArgs : mergeParameters(fromFile, fromArgs, options.paramsFile);
      await printDocument(context, await client.post<InquiryJson>(`/inquiries/${found.id}/respond`, { response }));
    });
}
