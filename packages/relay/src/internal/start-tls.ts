import type { Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Reply, ReplyParser } from '@warp/smtp-parser';
import { RelayError } from '../relay-error';
import { instant } from './instant';
import { readReply } from './read-reply';
import { summariseTls, type TlsSummary } from './tls-summary';

/** Inputs of {@link startTls}. */
export interface StartTlsParams {
  socket: Socket;
  parser: ReplyParser;
  /** The EHLO line (without CRLF) to send again once encrypted. */
  ehloLine: string;
  hostname: string | undefined;
  handshakeMs: number;
  commandMs: number;
  tlsOptions: Omit<ConnectionOptions, 'socket' | 'host' | 'port'> | undefined;
  /** Reports each exchange warp has with the MX on its own (STARTTLS, the new EHLO). */
  onExchange(verb: string, line: string, sent: ReturnType<typeof instant>, reply: Reply): void;
}

/** Result of {@link startTls}. */
export type StartTlsResult =
  | { kind: 'refused'; reply: Reply }
  | {
      kind: 'upgraded';
      socket: TLSSocket;
      summary: TlsSummary;
      handshakeMs: number;
      ehloReply: Reply;
    };

function handshake(
  socket: Socket,
  options: ConnectionOptions,
  timeoutMs: number,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ ...options, socket });
    const timer = setTimeout(
      () => secure.destroy(new Error(`handshake not done within ${timeoutMs} ms`)),
      timeoutMs,
    );
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeListener('error', onError);
      resolve(secure);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      secure.destroy();
      reject(
        new RelayError(
          'WARP_ERR_RELAY_TLS_HANDSHAKE',
          `TLS handshake with the MX failed: ${error.message}`,
          {
            code: 421,
            enhanced: '4.7.0',
            text: '[warp] TLS handshake with the MX failed, try again later',
          },
          error,
        ),
      );
    };
    secure.once('error', onError);
  });
}

/**
 * Upgrades the MX connection (RFC 3207): STARTTLS, discard whatever plaintext
 * followed the 220 (injection, CVE-2011-0411 class), handshake with SNI when
 * the host name is known, then EHLO again. Never hangs: each step has a
 * deadline and fails with a coded error the session turns into `421 4.7.0`.
 */
export async function startTls(params: StartTlsParams): Promise<StartTlsResult> {
  const { socket, parser } = params;
  const sent = instant();
  socket.write('STARTTLS\r\n');
  const reply = await readReply(
    socket,
    parser,
    params.commandMs,
    'waiting for the reply to STARTTLS',
  );
  params.onExchange('STARTTLS', 'STARTTLS', sent, reply);
  if (reply.code !== 220) return { kind: 'refused', reply };
  parser.reset();
  const started = performance.now();
  const servername = params.hostname;
  const secure = await handshake(
    socket,
    { rejectUnauthorized: false, ...(servername ? { servername } : {}), ...params.tlsOptions },
    params.handshakeMs,
  );
  const handshakeMs = performance.now() - started;
  const summary = summariseTls(secure, servername);
  const ehloSent = instant();
  secure.write(`${params.ehloLine}\r\n`);
  const ehloReply = await readReply(
    secure,
    parser,
    params.commandMs,
    'waiting for the EHLO reply after TLS',
  );
  params.onExchange('EHLO', params.ehloLine, ehloSent, ehloReply);
  return { kind: 'upgraded', socket: secure, summary, handshakeMs, ehloReply };
}
