#!/usr/bin/env -S node --max-semi-space-size=2
import { buildProgram } from './program.js';
import { writeErr } from './output.js';
import { describeError } from './report-error.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const report = describeError(error);
  for (const line of report.lines) writeErr(line);
  process.exitCode = report.exitCode;
}
