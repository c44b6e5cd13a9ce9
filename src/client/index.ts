export * from './target.js';
export * from './errors.js';
export * from './connection.js';
export * from './cgiResponse.js';
export * from './params.js';
export * from './request.js';
export * from './load.js';
export * from './expectations.js';
