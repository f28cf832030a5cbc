#!/usr/bin/env node
import { tuneHeap, WARPD_HEAP_TUNING } from './internal/tune-heap';

// First, before the modules load: loading them already grows the young generation.
tuneHeap({
  ...WARPD_HEAP_TUNING,
  nodeFlags: [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])],
});
const { runCli } = await import('./run-cli');
process.exitCode = await runCli(process.argv.slice(2));
