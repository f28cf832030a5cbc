/** A failed system call as the addon reports it (it never throws for one). */
export interface NativeFailure {
  errno: string;
  syscall: string;
}

/** What the addon's originalDestination returns on success. */
export interface NativeDestination {
  family: 4 | 6;
  address: string;
  port: number;
  /** The accepted socket's own address (v4-mapped addresses already unmapped). */
  localAddress: string;
  localPort: number;
}

/** The functions of build/Release/original_dst.node (native/original_dst.cc). */
export interface NativeBinding {
  originalDestination(fd: number): NativeDestination | NativeFailure;
  createTransparentListener(
    family: 4 | 6,
    address: string,
    port: number,
    backlog: number,
  ): { fd: number } | NativeFailure;
  isTransparent(fd: number): boolean | NativeFailure;
}

/** Whether a value returned by the addon is a failed system call. */
export function isNativeFailure(value: unknown): value is NativeFailure {
  return typeof value === 'object' && value !== null && 'errno' in value;
}
