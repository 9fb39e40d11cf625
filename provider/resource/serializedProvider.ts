/**
 * The object Pulumi serializes into every resource's `__provider`. It holds no logic, no module
 * reference and no setting: each method loads this package's runtime module inside the host and
 * delegates to it. That keeps the text small (2,949 bytes, most of it the serializer's wrapper
 * around each method; DECISIONS D1), free of credentials, and means a
 * refresh or delete of old state runs the installed version's code, not a frozen copy.
 *
 * Everything the methods reach is serialized as source by Pulumi's closure serializer, so this
 * file must stay free of imports used inside the functions. `require` is left as is by the
 * serializer: it resolves from the host's working directory, which is the project directory.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   This code is serialized by Pulumi and runs in the provider host: it must load the runtime with
   the host's own untyped require(), and an import would be captured as a value instead. */
import type * as dynamic from "@pulumi/pulumi/dynamic";

/**
 * @param runtimeReference  "pulumi-emnify/runtime" when the package was loaded from node_modules;
 *   otherwise the runtime file's path relative to the program's working directory ("./dist/...").
 * @param runtimeExport  which resource's runtime object (./runtime) the methods delegate to.
 */
export function serializableProvider(
  runtimeReference: string,
  runtimeExport: "billingConfigRuntime" | "billingOriginalsRuntime" = "billingConfigRuntime",
): dynamic.ResourceProvider {
  const load = (): Required<dynamic.ResourceProvider> => {
    const candidates = runtimeReference.startsWith(".")
      ? [require("path").resolve(process.cwd(), runtimeReference), "pulumi-emnify/runtime"]
      : [runtimeReference];
    for (const candidate of candidates) {
      try {
        return require(candidate)[runtimeExport];
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (e.code !== "MODULE_NOT_FOUND" || !String(e.message).includes(candidate)) throw error;
      }
    }
    throw new Error(
      `pulumi-emnify: cannot load its provider code from ${process.cwd()} (tried ${candidates.join(", ")}); ` +
        "install the package with npm in the Pulumi project's directory",
    );
  };
  return {
    configure: (req) => load().configure(req),
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().delete(id, props),
  };
}
