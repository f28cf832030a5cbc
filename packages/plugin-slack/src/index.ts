import { slackPlugin } from './slack-plugin';

export type { SlackOptions, SlackTrigger } from './slack-options';
export { validateSlackOptions } from './slack-options';
export { slackPlugin };
export default slackPlugin;
