export * from './form-token';
export * from './html';
export * from './layout';
export * from './page-response';
