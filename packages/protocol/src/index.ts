export * from './assert.js';
export * from './constants.js';
export * from './error-codes.js';
export * from './protocol-error.js';
export * from './reader.js';
export * from './record-batch-header.js';
export * from './writer.js';
