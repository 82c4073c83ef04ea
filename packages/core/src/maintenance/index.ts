/**
 * Maintenance state on disk: a directory of small JSON entries (hacheck's spool, made safe).
 * Re-exported by name so the public surface is exactly this list.
 */
export { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';
export {
  ALL,
  decodeEntry,
  encodeEntry,
  entryFileName,
  MAX_ENTRY_BYTES,
  MAX_REASON_LENGTH,
  MAX_USER_LENGTH,
  parseEntryFileName,
  targetProblem,
} from './entry.js';
export type { DecodeEntryResult, MaintenanceEntry, MaintenanceMode } from './entry.js';
export {
  effectiveMaintenance,
  nextExpiry,
  readMaintenance,
  removeMaintenance,
  writeMaintenance,
} from './store.js';
export type { MaintenanceIssue, MaintenanceState } from './store.js';
