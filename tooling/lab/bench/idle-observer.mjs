// An observer plugin that takes every event and does nothing with it: the
// lab bench's floor for any plugin that stores or forwards warpd's events.
// What warpd spends with it is the cost of building, filtering and queueing
// the events on the relay's thread, which every store pays before its own work.
export default () => ({
  name: 'idle-observer',
  apiVersion: 1,
  hooks: { onEvents() {} },
});
