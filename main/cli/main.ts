/**
 * `meow`: the messenger from a terminal, one profile folder per device, on the core's
 * one API (MeowService). The command line is a contract (scripts and tests drive it):
 * extend it, never rename.
 */
import { runCli } from './dispatch.js';
import { processIO } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), processIO);
