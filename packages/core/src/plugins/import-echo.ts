/**
 * Node 20's ESM loader reports some failed imports twice. When a CommonJS module imported from
 * ESM throws while it is evaluated (a native addon that was never built: "No native build was
 * found"), `import()` rejects — the plugin loader catches that — and an internal promise of the
 * loader rejects with the very same error object, which nobody observes. Node then reports an
 * unhandled rejection and, by default, exits (measured on 20.20; not on 22). A plugin whose
 * dependency fails to load must be a load failure, never a crash, so those echoes are recognised
 * here and ignored; every other unhandled rejection keeps Node's behaviour.
 */

const echoes = new WeakSet<object>();
let listening = false;

/** Whether `reason` is the echo of an import failure the plugin loader already reported. */
export function isImportEcho(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && echoes.has(reason);
}

/**
 * Called before importing plugin code: from then on, an unhandled rejection that echoes a failed
 * import is ignored. Any other one is thrown again when nothing else listens — Node's default
 * (`--unhandled-rejections=throw`) — and left to the other listeners (a daemon's crash handler,
 * which must ignore echoes too: {@link isImportEcho}) otherwise.
 */
export function listenForImportEchoes(): void {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (reason) => {
    if (isImportEcho(reason)) return;
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

/** Records a failed import's error, so that its echo is recognised. */
export function expectImportEcho(error: unknown): void {
  if (typeof error === 'object' && error !== null) echoes.add(error);
}
