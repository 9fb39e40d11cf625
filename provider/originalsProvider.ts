/**
 * The provider of `BillingOriginals` as a module of the installed package: the counterpart of
 * ./dynamicProvider for the record of an organisation's pre-Pulumi billing settings. Its path is
 * written into every stored BillingOriginals (`require("pulumi-emnify/dist/provider/originalsProvider.js")`,
 * an export of its own in package.json): keep the file and the export. It imports nothing at load
 * time; each method loads ./resource/runtime on first use in the host.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { billingOriginalsRuntime as Runtime } from "./resource/runtime";

function runtime(): typeof Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("./resource/runtime") as { billingOriginalsRuntime: typeof Runtime }).billingOriginalsRuntime;
}

export const configure: typeof Runtime.configure = (req) => runtime().configure(req);
export const check: dynamic.ResourceProvider["check"] = (olds, news) => runtime().check(olds, news);
export const diff: dynamic.ResourceProvider["diff"] = (id, olds, news) => runtime().diff(id, olds, news);
export const create: dynamic.ResourceProvider["create"] = (inputs) => runtime().create(inputs);
export const read: dynamic.ResourceProvider["read"] = (id, props) => runtime().read(id, props);
export const update: dynamic.ResourceProvider["update"] = (id, olds, news) => runtime().update(id, olds, news);
const deleteMethod: dynamic.ResourceProvider["delete"] = (id, props) => runtime().delete(id, props);
export { deleteMethod as delete };
