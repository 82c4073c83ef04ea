import type { LoggingConfig } from '../config/types.js';
import type { LogFormat, LogLevel, LogSink } from '../log.js';

/**
 * Applies `logging.yaml` to the daemon's log sink; removing the file restores the start-up
 * settings (the command line's `--log-level`/`--log-format`).
 */
export class LoggingControl {
  private readonly initial: { level: LogLevel; format: LogFormat } | undefined;

  constructor(private readonly sink: LogSink | undefined) {
    this.initial = sink === undefined ? undefined : { level: sink.level, format: sink.format };
  }

  apply(config: LoggingConfig | undefined): void {
    if (this.sink === undefined || this.initial === undefined) return;
    this.sink.level = config?.level ?? this.initial.level;
    this.sink.format = config?.format ?? this.initial.format;
  }
}
