/** negotiator 1.x (the version Apollo Server and this project use): the parts used here. */
declare module 'negotiator' {
  import type { IncomingHttpHeaders } from 'node:http';

  class Negotiator {
    constructor(request: { headers: IncomingHttpHeaders });
    /** The best of `available` by Accept-Encoding; among equals, `preferred` order first. */
    encoding(available?: string[], options?: { preferred?: string[] }): string | undefined;
    /** The media types the Accept header names (or of `available`, those it accepts), best first. */
    mediaTypes(available?: string[]): string[];
  }
  export = Negotiator;
}
