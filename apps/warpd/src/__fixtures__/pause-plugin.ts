import { definePlugin } from '@warp/hooks';

// A decider plugin as an operator would write one: pauses MAIL from one domain.
export default definePlugin((options: { domain: string }) => ({
  name: 'pause-fixture',
  apiVersion: 1,
  hooks: {
    beforeMail: ({ sender }) =>
      sender.endsWith(`@${options.domain}`)
        ? { action: 'reply', reply: { code: 451, enhanced: '4.7.1', text: 'sender paused' } }
        : { action: 'allow' },
  },
}));
