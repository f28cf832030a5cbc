// The floor of a relay written on Node's `net` sockets: accepts on 127.0.0.1:<listen>,
// connects to 127.0.0.1:<target> and pipes both ways, parsing nothing. The
// relay benchmark runs it as the way `node-pipe`, so warpd's CPU and
// throughput can be read against what Node itself costs on the same load.
// Run: node pipe-proxy.mjs <listen port> <target port>
import { connect, createServer } from 'node:net';

const [listen, target] = process.argv.slice(2).map(Number);
createServer({ noDelay: true }, (client) => {
  const mx = connect({ host: '127.0.0.1', port: target, noDelay: true });
  client.on('error', () => mx.destroy());
  mx.on('error', () => client.destroy());
  client.pipe(mx);
  mx.pipe(client);
}).listen(listen, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
