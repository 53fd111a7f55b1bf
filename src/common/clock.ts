/** The time now. Services take one (tests pass a fixed one); the app passes the system clock. */
export type Clock = () => Date;
