/**
 * The governance vocabularies, in a module that imports nothing from the config: src/config/schema.ts imports the
 * governance config section, so anything it pulls in must not import the config back (an ESM cycle).
 */

/** Ascending sensitivity: a higher index is more sensitive. Same values as the config's DataClassSchema. */
export const DATA_CLASSES = ['public', 'internal', 'confidential', 'restricted'] as const;
export type DataClassName = (typeof DATA_CLASSES)[number];
export const classRank = (c: DataClassName): number => DATA_CLASSES.indexOf(c);

export const EXPOSURES = ['consumer-facing', 'internal'] as const;
export type Exposure = (typeof EXPOSURES)[number];
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];
/** How the invocation log keeps an application's prompts and answers (records: full | masked | metadata, or encrypted). */
export const LOGGING_MODES = ['full', 'masked', 'encrypted', 'metadata'] as const;
export type LoggingMode = (typeof LOGGING_MODES)[number];
