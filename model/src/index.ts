/**
 * What the functions, the dashboard and the scripts share: the data model (seed schema and the
 * fields Aurora adds, the worker registry and the procedures), where it lives, what an acknowledgement covers, which calls silence cannot
 * end, the languages, and the site's clock. Safe for the browser; the task queues and their ids
 * (Node only) are `@aurora/model/tasks`.
 */
export * from './schema';
export * from './reference';
export * from './paths';
export * from './acknowledgement';
export * from './silence';
export * from './languages';
export * from './time';
