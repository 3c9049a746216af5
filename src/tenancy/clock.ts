// What time it is, as a dependency: quota periods, lease expiry and usage timestamps read it, so
// tests can move time across a month or past a lease without waiting.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
