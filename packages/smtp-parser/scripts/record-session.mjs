#!/usr/bin/env node
// Records one SMTP session byte-exactly while relaying it (fixture capture tool).
// usage: node record-session.mjs <listen-port> <target-port> <out-prefix> [<tls-key> <tls-cert>]
// Writes <out-prefix>.c2s and .s2c (plaintext). With a key and certificate it also
// terminates STARTTLS on both legs (client: this certificate; server: unverified),
// and writes the decrypted bytes after the handshake to <out-prefix>.tls.c2s / .tls.s2c.
// RECORD_CONNECTIONS=n records n connections in turn (<out-prefix>, <out-prefix>-2, ...).
// Loopback only.
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const [listenPort, targetPort, basePrefix, keyFile, certFile] = process.argv.slice(2);
if (!basePrefix) {
  console.error(
    'usage: record-session.mjs <listen-port> <target-port> <out-prefix> [<key> <cert>]',
  );
  process.exit(2);
}

const connections = Number(process.env.RECORD_CONNECTIONS ?? 1);
let seen = 0;
// allowHalfOpen: Exim half-closes after BDAT ... QUIT and still reads the replies.
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  seen++;
  if (seen >= connections) server.close();
  const prefix = seen === 1 ? basePrefix : `${basePrefix}-${seen}`;
  const upstream = net.connect({
    port: Number(targetPort),
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  const c2s = createWriteStream(`${prefix}.c2s`);
  const s2c = createWriteStream(`${prefix}.s2c`);
  let clientText = '';
  let starttlsSent = false;

  const onClient = (chunk) => {
    c2s.write(chunk);
    upstream.write(chunk);
    clientText = (clientText + chunk.toString('latin1')).slice(-64);
    if (keyFile && /(^|\n)STARTTLS\r?\n$/i.test(clientText)) starttlsSent = true;
  };
  const onServer = (chunk) => {
    s2c.write(chunk);
    client.write(chunk);
    if (starttlsSent && /^220[ -]/.test(chunk.toString('latin1'))) upgrade();
  };
  client.on('data', onClient);
  upstream.on('data', onServer);
  let closed = 0;
  const close = () => {
    if (++closed < 2) return;
    c2s.end();
    s2c.end();
  };
  const fail = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
  client.on('close', close);
  upstream.on('close', close);
  client.on('error', fail);
  upstream.on('error', fail);

  function upgrade() {
    client.removeListener('data', onClient);
    upstream.removeListener('data', onServer);
    client.removeAllListeners('close');
    upstream.removeAllListeners('close');
    const tlsC2s = createWriteStream(`${prefix}.tls.c2s`);
    const tlsS2c = createWriteStream(`${prefix}.tls.s2c`);
    const down = new tls.TLSSocket(client, {
      isServer: true,
      key: readFileSync(keyFile),
      cert: readFileSync(certFile),
    });
    const up = tls.connect({ socket: upstream, rejectUnauthorized: false });
    const pendingUp = [];
    let upReady = false;
    up.on('secureConnect', () => {
      upReady = true;
      for (const chunk of pendingUp) up.write(chunk);
    });
    down.on('data', (chunk) => {
      tlsC2s.write(chunk);
      if (upReady) up.write(chunk);
      else pendingUp.push(chunk);
    });
    up.on('data', (chunk) => {
      tlsS2c.write(chunk);
      down.write(chunk);
    });
    const end = () => {
      down.destroy();
      up.destroy();
      c2s.end();
      s2c.end();
      tlsC2s.end();
      tlsS2c.end();
    };
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('close', end);
    up.on('close', end);
    down.on('error', end);
    up.on('error', end);
  }
});
server.listen(Number(listenPort), '127.0.0.1');
