// Runs the native-pipe measurement (native-pipe.c): node native-pipe.mjs <listen port> <target port>
// JavaScript sees each chunk, finds its line ends (standing in for the
// relay's parser) and writes it to the other side; the bytes never pass
// through Node's streams.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { start, write } = require('./build/Release/native_pipe.node');
const [listen, target] = process.argv.slice(2).map(Number);
let lines = 0;
start(listen, target, (connection, side, chunk) => {
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  write(connection, side, chunk);
});
// The count is read at exit so that the scan cannot be optimised away.
process.on('SIGTERM', () => process.exit(lines >= 0 ? 0 : 1));
