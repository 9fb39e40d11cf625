/**
 * Pulumi resource names for exported organisations, made from their emnify names.
 *
 * A resource name is part of the URN: renaming it later makes Pulumi release one resource and
 * adopt another. So names must be stable across re-exports: they depend only on the
 * organisation's own name and id, never on how many other organisations there are.
 */

/** Long enough for any real organisation name, short enough to read in `pulumi up` output. */
const MAX_SLUG_LENGTH = 60;

/**
 * Latin letters that Unicode does not decompose into a base letter and an accent, spelled the way
 * their languages write them without the letter.
 */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  ø: "o",
  œ: "oe",
  đ: "d",
  ð: "d",
  þ: "th",
  ł: "l",
  ı: "i",
};

/** The name an organisation gets when it has none (the organisations file's own default). */
export function defaultResourceName(orgId: number): string {
  return `org-${orgId}`;
}

/**
 * "Müller & Söhne GmbH" → "muller-sohne-gmbh": lower case, accents dropped (ß → ss), every run of other
 * characters one "-". Empty when nothing usable is left (a name in another script).
 */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // the accents NFKD split off their letters
    .toLowerCase()
    .replace(/[ßæøœđðþłı]/g, (letter) => TRANSLITERATIONS[letter] ?? letter)
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/([._-])[._-]+/g, "$1")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^[._-]+|[._-]+$/g, "");
  return slug;
}

/**
 * A unique resource name for each organisation, in id order: its slug; the slug with "-<id>" when
 * an organisation with a smaller id already took it; `org-<id>` when it has no usable name.
 * Organisation ids are unique, so a name with the id in it only collides with a name that was
 * literally spelled that way, and then a counter follows.
 */
export function resourceNames(orgs: ReadonlyArray<{ id: number; name?: string }>): Map<number, string> {
  const names = new Map<number, string>();
  const taken = new Set<string>();
  for (const org of [...orgs].sort((a, b) => a.id - b.id)) {
    const slug = org.name === undefined ? "" : slugify(org.name);
    const candidates = slug === "" ? [defaultResourceName(org.id)] : [slug, `${slug}-${org.id}`];
    let name = candidates.find((candidate) => !taken.has(candidate));
    for (let counter = 2; name === undefined; counter += 1) {
      const candidate = `${candidates[candidates.length - 1]}-${counter}`;
      if (!taken.has(candidate)) name = candidate;
    }
    taken.add(name);
    names.set(org.id, name);
  }
  return names;
}
