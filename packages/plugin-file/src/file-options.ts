import type { EventType } from '@warp/hooks';
import typia, { type tags } from 'typia';

/** Options of the file plugin (validated with typia; unknown keys are refused). */
export interface FileOptions {
  /** File to append JSON Lines to, or `'-'` for standard output. */
  path: string;
  /** Plugin name in notices; set it when you configure two file plugins. Default `file`. */
  name?: string & tags.Pattern<'^[a-z0-9][a-z0-9._-]*$'>;
  /** Event types to write (default: all). */
  events?: EventType[];
  /** Rotation of the file (ignored for standard output). */
  rotate?: {
    /** Rotate before a write would make the file larger than this many bytes. */
    maxBytes?: number & tags.Type<'uint32'> & tags.Minimum<1024>;
    /** Rotate when the UTC day changes. */
    daily?: boolean;
    /** Rotated files to keep (oldest deleted). Default: keep all. */
    keep?: number & tags.Type<'uint32'> & tags.Minimum<1>;
  };
  /** File mode for a new file. Default `0o640`. */
  mode?: number & tags.Type<'uint32'> & tags.Maximum<511>;
}

/** Validate raw options (from warpd's configuration) against {@link FileOptions}. */
export const validateFileOptions: (input: unknown) => typia.IValidation<FileOptions> =
  typia.createValidateEquals<FileOptions>();
