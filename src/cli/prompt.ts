import { Writable } from 'node:stream';
import { AppError } from '../domain/index.js';

/** Asks on stderr and reads one line from the terminal; `hidden` echoes nothing (passwords). */
export async function prompt(question: string, options: { readonly hidden?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY) throw new AppError('ERR_CLI_USAGE', `${question.replace(/:\s*$/, '')} is needed and stdin is not a terminal (use the option or --password-stdin)`);
  const { createInterface } = await import('node:readline');
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: process.stdin, output: options.hidden === true ? muted : process.stderr, terminal: true });
  if (options.hidden === true) process.stderr.write(question);
  try {
    return await new Promise<string>((resolve) => lines.question(options.hidden === true ? '' : question, resolve));
  } finally {
    lines.close();
    if (options.hidden === true) process.stderr.write('\n');
  }
}

/** All of stdin as lines, without the trailing newline (`--password-stdin`). */
export async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '').split(/\r?\n/);
}

/** The password of `--password-stdin` (the first line of stdin), else asked for without echo. */
export async function readPassword(fromStdin: boolean | undefined, question = 'Password: '): Promise<string> {
  const password = fromStdin === true ? ((await readStdinLines())[0] ?? '') : await prompt(question, { hidden: true });
  if (password === '') throw new AppError('ERR_CLI_USAGE', 'the password is empty');
  return password;
}
