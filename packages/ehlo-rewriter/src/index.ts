export type { HiddenCapabilitiesOptions } from './hidden-capabilities';
export { hiddenCapabilities, rewriteEhloForClient } from './hidden-capabilities';
export type { EhloRewrite } from './remove-capabilities';
export { hasCapability, removeCapabilities, replyBytes } from './remove-capabilities';
