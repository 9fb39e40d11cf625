/**
 * The dynamic provider as a module of the installed package.
 *
 * When the package is loaded from node_modules, `BillingConfig` hands Pulumi this module's exports
 * object as the provider. Pulumi's closure serializer captures a module object of node_modules as
 * `require("pulumi-emnify/dist/provider/dynamicProvider.js")`, so every resource's `__provider`
 * (stored twice per resource in the state, in inputs and outputs) is ~300 bytes that load this
 * module in the dynamic-provider host, instead of the ~2.9 KB of source of ./serializedProvider.
 *
 * That path is in package.json's "exports" under its own file name, because the serializer maps a
 * file back to an export only when it finds the package.json, and it does not when the project's
 * path contains the package name before node_modules (it takes the first "pulumi-emnify" in the
 * path); it then writes the file path as is. States store the text: keep the file and the export.
 *
 * It must stay light: the program process loads it too (to serialize it), so it imports nothing
 * at load time; each method loads ./runtime (the client, zod, axios) on first use in the host.
 * Its exports are exactly the provider's methods.
 */
import type { BillingConfigResourceProvider as Provider } from "./resource/providerTypes";
import type { billingConfigRuntime as Runtime } from "./resource/runtime";

function runtime(): typeof Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("./resource/runtime") as { billingConfigRuntime: typeof Runtime }).billingConfigRuntime;
}

export const configure: typeof Runtime.configure = (req) => runtime().configure(req);
export const check: Provider["check"] = (olds, news) => runtime().check(olds, news);
export const diff: Provider["diff"] = (id, olds, news) => runtime().diff(id, olds, news);
export const create: Provider["create"] = (inputs) => runtime().create(inputs);
export const read: Provider["read"] = (id, props) => runtime().read(id, props);
export const update: Provider["update"] = (id, olds, news) => runtime().update(id, olds, news);
const deleteMethod: Provider["delete"] = (id, props) => runtime().delete(id, props);
export { deleteMethod as delete };
