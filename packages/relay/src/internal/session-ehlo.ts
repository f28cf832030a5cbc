import type { Socket } from 'node:net';
import { hasCapability, removeCapabilities } from '@warp/ehlo-rewriter';
import type { SessionEvent } from '@warp/hooks';
import type { Reply } from '@warp/smtp-parser';
import { RelayError } from '../relay-error';
import type { ResolvedRelayOptions } from '../relay-options';
import type { PendingCommand } from './exchange-tracker';
import { instant } from './instant';
import type { Session } from './session';
import { startTls } from './start-tls';
import type { TlsBrokenMemory } from './tls-broken-memory';

/** What the EHLO step needs from the relay. */
export interface SessionContextForEhlo {
  readonly options: ResolvedRelayOptions;
  readonly tlsBroken: TlsBrokenMemory;
  /** EHLO keywords never shown to the MTA. */
  readonly hidden: ReadonlySet<string>;
  emit(event: SessionEvent): void;
}

/** warp's reply when the upgrade failed on warp's side, whatever the policy. */
const TLS_FAILED = {
  code: 421,
  enhanced: '4.7.0',
  text: '[warp] TLS with the MX failed, try again later',
};

const TLS_REQUIRED = {
  code: 421,
  enhanced: '4.7.0',
  text: '[warp] TLS towards the MX is required and not available, try again later',
};

function answer(session: Session, context: SessionContextForEhlo, reply: Reply): void {
  session.io.writeClient(removeCapabilities(reply, context.hidden).bytes);
  session.release();
  session.afterReply();
}

function requireTls(session: Session, detail: string): void {
  session.fail(
    new RelayError(
      'WARP_ERR_RELAY_TLS_REQUIRED',
      `TLS policy is "required" but ${detail}`,
      TLS_REQUIRED,
    ),
    'tls-failed',
  );
}

/**
 * Handles the MX's reply to the MTA's EHLO/HELO: upgrade the MX leg to TLS
 * when offered and allowed (answering the MTA with the EHLO reply given
 * inside TLS, so its view matches the session it will use), enforce the
 * `required` policy, and hide what the MTA must not use.
 */
export async function decideEhlo(
  session: Session,
  context: SessionContextForEhlo,
  pending: PendingCommand,
  reply: Reply,
): Promise<void> {
  const policy = context.options.tls;
  const destination = session.destination as NonNullable<Session['destination']>;
  const base = { nodeId: context.options.nodeId, sessionId: session.id };
  if (session.tlsActive || policy === 'off' || reply.code >= 400)
    return answer(session, context, reply);
  const offered = pending.verb === 'EHLO' && hasCapability(reply, 'STARTTLS');
  if (!offered || (policy === 'opportunistic' && context.tlsBroken.isBroken(destination.address))) {
    if (policy === 'required')
      return requireTls(session, `the MX ${destination.address} does not offer STARTTLS`);
    return answer(session, context, reply);
  }
  // Node's tls takes over the MX connection: a native socket hands over its
  // fd, which can fail (no fd left): then the session ends with a 4xx, and
  // the MX is not blamed for it.
  let socket: Socket | undefined;
  try {
    socket = session.io.handOverMx(context.options.io);
    const result = await startTls({
      socket,
      parser: session.replies,
      ehloLine: session.heloLine,
      hostname: destination.hostname,
      handshakeMs: context.options.timeouts.tlsHandshakeMs,
      commandMs: context.options.timeouts.commandMs,
      tlsOptions: context.options.tlsOptions,
      onExchange: (verb, line, sent, reply) =>
        session.tracker.replied({ verb, line, sent, transaction: null }, reply),
    });
    if (session.io.closing) {
      socket.destroy();
      return;
    }
    if (result.kind === 'refused') {
      session.io.attachMx(socket);
      const reason = result.reply.lines.join(' ');
      context.emit({
        type: 'tls.failed',
        ...base,
        ...instant(),
        stage: 'starttls-refused',
        reason,
        errorCode: null,
        continuedInPlaintext: policy !== 'required',
      });
      if (policy === 'required')
        return requireTls(session, `the MX ${destination.address} refused STARTTLS: ${reason}`);
      return answer(session, context, reply);
    }
    session.tlsActive = true;
    session.io.durations.tlsHandshakeMs = result.handshakeMs;
    session.io.attachMx(result.socket);
    context.emit({
      type: 'tls.upgraded',
      ...base,
      ...instant(),
      ...result.summary,
      handshakeMs: result.handshakeMs,
    });
    return answer(session, context, result.ehloReply);
  } catch (error) {
    const failure = RelayError.isInstance(error)
      ? (error as RelayError)
      : new RelayError(
          'WARP_ERR_RELAY_TLS_HANDSHAKE',
          `TLS with the MX failed: ${String(error)}`,
          TLS_FAILED,
          error,
        );
    const cause = failure.cause as NodeJS.ErrnoException | undefined;
    context.emit({
      type: 'tls.failed',
      ...base,
      ...instant(),
      stage: 'handshake',
      reason: cause?.message ?? failure.message,
      errorCode: cause?.code ?? null,
      continuedInPlaintext: false,
    });
    // Only the MX's own failure marks it TLS-broken: not an MTA that left,
    // nor a relay shutting down, in the middle of the upgrade.
    const ownEnd = session.io.closing || session.io.clientEnded;
    if (policy === 'opportunistic' && socket && !ownEnd)
      context.tlsBroken.remember(destination.address);
    session.io.mx?.destroy();
    session.fail(failure, 'tls-failed');
  }
}
