/**
 * The type tokens that stacks' states hold, in one place. The dynamic ones are fixed by states
 * already written (DECISIONS D1, D36); the plugin's are its schema's (schema.json).
 */

/** The dynamic `BillingConfig`. */
export const DYNAMIC_BILLING_CONFIG = "pulumi-nodejs:dynamic/emnify:BillingConfig";
/** The dynamic record of an organisation's originals, made with `restoreOnDelete`. */
export const DYNAMIC_BILLING_ORIGINALS = "pulumi-nodejs:dynamic/emnify:BillingOriginals";
/** The provider plugin's `BillingConfig`. */
export const PLUGIN_BILLING_CONFIG = "emnify:index:BillingConfig";
/** The provider plugin's record of originals. */
export const PLUGIN_BILLING_ORIGINALS = "emnify:index:BillingOriginals";
