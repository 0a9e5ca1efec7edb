export * from './assert.js';
export * from './constants.js';
export * from './protocol-error.js';
export * from './reader.js';
export * from './writer.js';
