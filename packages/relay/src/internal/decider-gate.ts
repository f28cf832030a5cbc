import type { MailContext, RcptContext, Reply, ReplySource, VerdictResult } from '@warp/hooks';
import type { Command, Reply as ParsedReply } from '@warp/smtp-parser';
import type { ExchangeTracker } from './exchange-tracker';
import { instant } from './instant';
import { localReply } from './received-reply';

/** The `beforeMail` / `beforeRcpt` deciders the relay calls (the hook bus's methods). */
export interface MailDeciders {
  beforeMail?: ((context: MailContext) => Promise<VerdictResult>) | undefined;
  beforeRcpt?: ((context: RcptContext) => Promise<VerdictResult>) | undefined;
}

/** What the gate knows of the session when it asks a decider. */
export interface GateSession {
  /** Everything of {@link MailContext} but the envelope fields. */
  readonly base: Omit<MailContext, 'sender' | 'parameters'>;
  /** Recipients the MX accepted so far in this transaction. */
  readonly acceptedRecipients: readonly string[];
  /** Whether the MX already refused this transaction's MAIL (it then answers the rest itself). */
  readonly mailRefusedByMx: boolean;
  /** Number the next MAIL's transaction gets. */
  readonly nextTransaction: number;
}

/** What to do with one command. */
export type GateAnswer =
  | { readonly action: 'forward' }
  | { readonly action: 'wait' }
  | {
      readonly action: 'answer';
      readonly reply: ParsedReply;
      readonly source: ReplySource;
      /** The plugin that refused, when the bus named it. */
      readonly plugin?: string | undefined;
      /** The MX holds a transaction the MTA will not finish: send it RSET. */
      readonly resetMx: boolean;
    };

const FORWARD: GateAnswer = { action: 'forward' };
const WAIT: GateAnswer = { action: 'wait' };
const ALLOW: VerdictResult = { action: 'allow' };
const answer = (
  reply: ParsedReply,
  source: ReplySource,
  resetMx = false,
  plugin?: string,
): GateAnswer => ({ action: 'answer', reply, source, resetMx, plugin });
// What Postfix answers as an MX, so the MTA sees what it would see without warp.
const needMail = () => localReply(503, '5.5.1', '[warp] Error: need MAIL command');
const noRecipients = () => localReply(554, '5.5.1', '[warp] Error: no valid recipients');

/** A decider's reply in the parsed form the relay writes (one line; CR/LF already refused by the bus). */
export function deciderReply(reply: Reply): ParsedReply {
  const enhanced = reply.enhanced ?? `${Math.floor(reply.code / 100)}.0.0`;
  return localReply(reply.code, enhanced, reply.text.replace(/[\r\n]+/g, ' '));
}

/**
 * Asks `beforeMail` / `beforeRcpt` before MAIL and RCPT reach the MX, and
 * keeps the MTA and the MX consistent when a decider refuses: after a refused
 * MAIL, RCPT and DATA/BDAT of that transaction get `503 5.5.1` from warp;
 * DATA/BDAT after RCPTs that were all refused get `554 5.5.1` from warp and
 * the MX, which holds an open MAIL, gets RSET. Without refusals it only
 * forwards (the MX answers everything, as without warp).
 */
export class DeciderGate {
  #state: 'none' | 'open' | 'refused' = 'none';
  #forwardedRcpts = 0;
  #refusedRcpts = 0;
  #sender = '';
  #parameters: readonly string[] = [];
  #deciding: Command | undefined;
  #decided: { command: Command; verdict: VerdictResult } | undefined;
  readonly #deciders: MailDeciders;
  readonly #session: () => GateSession;
  readonly #onDecided: () => void;

  constructor(deciders: MailDeciders, session: () => GateSession, onDecided: () => void) {
    this.#deciders = deciders;
    this.#session = session;
    this.#onDecided = onDecided;
  }

  /** A decider is running: relaying waits for its verdict. */
  get deciding(): boolean {
    return this.#deciding !== undefined;
  }

  /** Whether `command` goes to the MX, waits for a decider, or gets a reply from warp. */
  check(command: Command): GateAnswer {
    switch (command.verb) {
      case 'RSET':
      case 'EHLO':
      case 'HELO':
        this.#reset('none');
        return FORWARD;
      case 'MAIL':
        return this.#mail(command);
      case 'RCPT':
        return this.#rcpt(command);
      case 'DATA':
      case 'BDAT':
        return this.#data();
      default:
        return FORWARD;
    }
  }

  #reset(state: 'none' | 'open' | 'refused'): void {
    this.#state = state;
    this.#forwardedRcpts = 0;
    this.#refusedRcpts = 0;
  }

  #mail(command: Command): GateAnswer {
    const envelope = command.envelope;
    if (!envelope) {
      this.#reset('none');
      return FORWARD;
    }
    const parameters = envelope.parameters.map((p) =>
      p.value === undefined ? p.keyword : `${p.keyword}=${p.value}`,
    );
    const verdict = this.#verdict(command, 'beforeMail', () => {
      const session = this.#session();
      return {
        ...session.base,
        transaction: session.nextTransaction,
        sender: envelope.address,
        parameters,
      };
    });
    if (verdict === undefined) return WAIT;
    if (verdict.action === 'reply') {
      this.#reset('refused');
      return answer(deciderReply(verdict.reply), 'plugin', false, verdict.plugin);
    }
    this.#reset('open');
    this.#sender = envelope.address;
    this.#parameters = parameters;
    return FORWARD;
  }

  #rcpt(command: Command): GateAnswer {
    if (this.#state === 'refused') return answer(needMail(), 'relay');
    const envelope = command.envelope;
    if (this.#state === 'none' || !envelope) return FORWARD;
    const verdict = this.#verdict(command, 'beforeRcpt', () => {
      const session = this.#session();
      return session.mailRefusedByMx
        ? undefined
        : {
            ...session.base,
            sender: this.#sender,
            parameters: this.#parameters,
            recipient: envelope.address,
            acceptedRecipients: session.acceptedRecipients,
          };
    });
    if (verdict === undefined) return WAIT;
    if (verdict.action === 'reply') {
      this.#refusedRcpts++;
      return answer(deciderReply(verdict.reply), 'plugin', false, verdict.plugin);
    }
    this.#forwardedRcpts++;
    return FORWARD;
  }

  #data(): GateAnswer {
    if (this.#state === 'refused') return answer(needMail(), 'relay');
    if (this.#state === 'open' && this.#forwardedRcpts === 0 && this.#refusedRcpts > 0) {
      this.#reset('refused');
      return answer(noRecipients(), 'relay', true);
    }
    return FORWARD;
  }

  /** The verdict for `command` once decided; `undefined` while a decider runs. */
  #verdict<C>(
    command: Command,
    hook: 'beforeMail' | 'beforeRcpt',
    context: () => C | undefined,
  ): VerdictResult | undefined {
    if (this.#decided?.command === command) {
      const { verdict } = this.#decided;
      this.#decided = undefined;
      return verdict;
    }
    if (this.#deciding) return undefined;
    const decider = this.#deciders[hook] as ((c: C) => Promise<VerdictResult>) | undefined;
    const input = decider ? context() : undefined;
    if (!decider || input === undefined) return ALLOW;
    this.#deciding = command;
    Promise.resolve()
      .then(() => decider(input))
      .catch(() => ALLOW)
      .then((verdict) => {
        this.#deciding = undefined;
        this.#decided = { command, verdict: verdict ?? ALLOW };
        this.#onDecided();
      });
    return undefined;
  }
}

const RSET_CRLF = Buffer.from('RSET\r\n');

/** Queues warp's own reply to `command` in FIFO order, and the MX's RSET when needed. */
export function answerLocally(
  tracker: ExchangeTracker,
  command: Command,
  line: string,
  gate: Extract<GateAnswer, { action: 'answer' }>,
  out: Buffer[],
): void {
  const path = command.envelope?.address;
  tracker.sent(command.verb, line, path, instant(), gate.reply, {
    source: gate.source,
    plugin: gate.plugin,
  });
  if (!gate.resetMx) return;
  out.push(RSET_CRLF);
  tracker.sent('RSET', 'RSET', undefined, instant(), undefined, { silent: true });
}

/** What a session tells the gate (see {@link GateSession}). */
export function gateSession(
  session: {
    readonly id: string;
    readonly tracker: ExchangeTracker;
    readonly io: { readonly clientEndpoint: MailContext['client'] };
    readonly destination: { address: string; port: number } | undefined;
    readonly heloLine: string;
  },
  nodeId: string,
): GateSession {
  const current = session.tracker.current;
  const destination = session.destination ?? { address: '', port: 0 };
  return {
    base: {
      sessionId: session.id,
      nodeId,
      client: session.io.clientEndpoint,
      destination: { address: destination.address, port: destination.port },
      helo: session.heloLine.split(' ')[1] ?? '',
      transaction: current?.number ?? session.tracker.transactions + 1,
    },
    acceptedRecipients: (current?.recipients ?? [])
      .filter((r) => r.reply.code < 400)
      .map((r) => r.address),
    mailRefusedByMx: (current?.mailReply?.code ?? 0) >= 400,
    nextTransaction: session.tracker.transactions + 1,
  };
}
