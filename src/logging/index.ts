export { LOG_FILE_MODE, LogFile, type LogFileOptions } from './log-file.js';
export { FdSink } from './fd-sink.js';
