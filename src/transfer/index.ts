/** Moving a store's contents to another database: `attune export` and `attune import` (issue 8 item 7). */
export { EXPORT_FORMAT, EXPORT_VERSION, type ExportLine, RECORD_KINDS, type RecordKind, exportStore } from './export-store.js';
export { importStore } from './import-store.js';
