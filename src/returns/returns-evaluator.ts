import { logger } from '../common/logger';
import type { ReturnsService } from './returns.service';

/**
 * The overdue evaluation in the server (rule 18): once soon after start, then every `intervalMs`. A round that
 * fails is logged and the next one tries again; a round is never started while another runs; `stop` waits for the
 * round in progress. Any number of servers (and `npm run evaluate-returns`) may run it against one database: a
 * return charged back is never charged again, and a return being charged by another is skipped.
 */
export class ReturnsEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly returns: ReturnsService, private readonly intervalMs: number) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.schedule(1_000);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = null;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    try {
      const { chargedBack } = await this.returns.evaluateOverdue();
      if (chargedBack > 0) logger.info('overdue part returns charged back', { chargedBack });
    } catch (error) {
      logger.warn('overdue part returns evaluation failed', { message: (error as Error).message });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
