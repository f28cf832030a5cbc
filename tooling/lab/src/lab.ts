import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate } from './certificate';
import { createLabNetwork, LAB_ADDRESSES, type LabNetwork } from './lab-network';
import { type PostfixInstance, startPostfix } from './postfix-instance';
import { buildWarpd, startWarpd, type WarpdProcess } from './warpd-process';

/** A running lab: sender host (Postfix + warpd + NAT rule) and MX host (Postfix with STARTTLS). */
export interface Lab {
  dir: string;
  network: LabNetwork;
  sender: PostfixInstance;
  mx: PostfixInstance;
  warpd: WarpdProcess;
  /**
   * Starts warpd again (after a kill or a stop), without adding the NAT rule
   * again; `config` is merged over the lab's warpd configuration from then on.
   */
  restartWarpd(config?: Record<string, unknown>): Promise<WarpdProcess>;
  stop(): Promise<void>;
}

/** Options of {@link startLab}. */
export interface LabOptions {
  /** Give the MX a certificate and offer STARTTLS (default true). */
  mxTls?: boolean;
  /** Extra warpd configuration. */
  warpd?: Record<string, unknown>;
  /** Extra main.cf lines for the MX Postfix (e.g. `smtpd_discard_ehlo_keywords = ...`). */
  mxSettings?: readonly string[];
  /**
   * Relay over IPv6: the MX also listens on 2001:db8::25, the sender relays
   * to `[2001:db8::25]:25`, warpd also listens on `[::1]:10025` and its
   * ip6tables rule is applied.
   */
  ipv6?: boolean;
}

/** Fails loudly when the lab cannot run here (the suite must never skip silently). */
export function assertLabCanRun(): void {
  if (process.getuid?.() !== 0)
    throw new Error('[warp] [lab] must run as root (network namespaces, iptables, Postfix)');
  for (const tool of [
    '/usr/sbin/postfix',
    '/usr/sbin/iptables',
    '/usr/bin/openssl',
    '/usr/sbin/ip',
    '/usr/sbin/sendmail',
  ]) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/sbin/', '/sbin/'))) {
      throw new Error(`[warp] [lab] ${tool} is missing: run tooling/system-deps/install.sh`);
    }
  }
}

/**
 * Builds warpd, creates the namespaces, starts the MX Postfix, warpd (its
 * `warpd rules` applied in the sender namespace) and the sending Postfix.
 * On any failure everything already started is torn down.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  assertLabCanRun();
  await buildWarpd();
  const tag = `${process.pid}${Math.floor(Math.random() * 1000)}`;
  const dir = mkdtempSync(join(tmpdir(), 'warp-lab-'));
  // Postfix's daemons run as "postfix" and must reach their queue below it.
  chmodSync(dir, 0o755);
  const ipv6 = options.ipv6 ?? false;
  const network = await createLabNetwork(tag, { ipv6 });
  const started: Array<() => Promise<unknown>> = [() => network.destroy()];
  const stop = async () => {
    for (const undo of started.reverse()) await undo().catch(() => {});
  };
  try {
    const cert = options.mxTls === false ? null : await makeCertificate(dir, 'mx.example.net');
    const mx = await startPostfix(network.mx, join(dir, 'mx'), {
      role: 'mx',
      listen: ipv6 ? `${LAB_ADDRESSES.mx}, [${LAB_ADDRESSES.mx6}]` : LAB_ADDRESSES.mx,
      domain: 'example.net',
      cert,
      settings: options.mxSettings,
      ipv6,
    });
    started.push(() => mx.stop());
    let warpdConfig: Record<string, unknown> = {
      listen: ipv6 ? ['127.0.0.1:10025', '[::1]:10025'] : ['127.0.0.1:10025'],
      rules: { mtaUser: 'postfix' },
      log: { level: 'debug' },
      plugins: [],
      shutdownGraceSeconds: 5,
      // Project lab-node-io runs every lab suite again with warpd on Node's sockets
      // (WARP_LAB_IO=node); project lab runs warpd's default, native io.
      ...(process.env.WARP_LAB_IO ? { io: process.env.WARP_LAB_IO } : {}),
      ...options.warpd,
    };
    let warpd = await startWarpd(network.sender, dir, warpdConfig);
    started.push(() => warpd.stop());
    const sender = await startPostfix(network.sender, join(dir, 'sender'), {
      role: 'sender',
      relayhost: `[${ipv6 ? LAB_ADDRESSES.mx6 : LAB_ADDRESSES.mx}]:25`,
      ipv6,
    });
    started.push(() => sender.stop());
    return {
      dir,
      network,
      sender,
      mx,
      get warpd() {
        return warpd;
      },
      restartWarpd: async (config = {}) => {
        warpdConfig = { ...warpdConfig, ...config };
        warpd = await startWarpd(network.sender, dir, warpdConfig, { applyRules: false });
        return warpd;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `check` every 200 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`[warp] [lab] timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
