import { readFile } from 'node:fs/promises';
import { formatIssues, validateConfig } from './validate-config';
import type { WarpdConfig } from './warpd-config';
import { WarpdError } from './warpd-error';

/**
 * Reads and validates a JSON configuration file. Without a path, the empty
 * configuration (every default). Throws a coded {@link WarpdError} whose
 * message lists every problem as `path: expected X, found Y`.
 */
export async function loadConfig(path: string | undefined): Promise<WarpdConfig> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WarpdError(
      'WARP_ERR_WARPD_CONFIG_UNREADABLE',
      `cannot read the configuration ${path}: ${(error as Error).message}`,
      error,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WarpdError(
      'WARP_ERR_WARPD_CONFIG_SYNTAX',
      `${path} is not valid JSON: ${(error as Error).message}`,
      error,
    );
  }
  const result = validateConfig(parsed);
  if (!result.ok) {
    throw new WarpdError(
      'WARP_ERR_WARPD_CONFIG_INVALID',
      `${path} has ${result.issues.length} error(s):\n${formatIssues(result.issues)}`,
    );
  }
  return result.config;
}
