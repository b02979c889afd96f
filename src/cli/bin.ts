#!/usr/bin/env -S node --max-semi-space-size=2
import { buildProgram } from './program.js';
import { writeErr } from './output.js';
import { describeError } from './report-error.js';

// A reader that stops early (`attune … --help | head`) closes the pipe: what is left to print is
// dropped, as cat or git would, instead of an unhandled EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.stdout.write = () => true;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const report = describeError(error);
  for (const line of report.lines) writeErr(line);
  process.exitCode = report.exitCode;
}
