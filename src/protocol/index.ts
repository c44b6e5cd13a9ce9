export * from './constants.js';
export * from './errors.js';
export * from './record.js';
export * from './decoder.js';
export * from './nameValue.js';
export * from './messages.js';
export * from './foreignProtocol.js';
