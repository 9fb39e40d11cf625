import assert from "node:assert/strict";
import { OrganisationEntry, OrganisationsFileError, parseOrganisationsFile } from "../../provider/billing/organisationsFile";
import { ShardError, defaultShard, entriesOfShard, shardChanges, shardOf } from "../../provider/billing/shards";

function entry(orgId: number, shard?: number): OrganisationEntry {
  return { name: `org-${orgId}`, args: { orgId, restoreOnDelete: false }, ...(shard === undefined ? {} : { shard }) };
}

function range(from: number, count: number): OrganisationEntry[] {
  return Array.from({ length: count }, (_, i) => entry(from + i));
}

/** orgId → shard, for every entry. */
function assignment(entries: OrganisationEntry[], count: number): Map<number, number> {
  return new Map(entries.map((e) => [e.args.orgId, shardOf(e, count)]));
}

describe("shards: spreading one organisations file over N stacks", () => {
  it("the file takes an optional shard per organisation and refuses one that is not a whole number from 0 to 999", () => {
    const entries = parseOrganisationsFile(["orgs:", "  - id: 101", "    shard: 2", "  - id: 102"].join("\n"), "orgs.yaml");
    assert.deepEqual(entries, [
      { name: "org-101", args: { orgId: 101, restoreOnDelete: false }, shard: 2 },
      { name: "org-102", args: { orgId: 102, restoreOnDelete: false } },
    ]);
    assert.throws(
      () => parseOrganisationsFile(["orgs:", "  - id: 101", "    shard: -1", "  - id: 102", '    shard: "1"'].join("\n"), "orgs.yaml"),
      (error: unknown) => {
        assert.ok(error instanceof OrganisationsFileError);
        assert.deepEqual(error.problems, [
          "orgs.yaml: orgs[0] (id 101): shard must be a whole number from 0 to 999, got -1",
          'orgs.yaml: orgs[1] (id 102): shard must be a whole number from 0 to 999, got "1"',
        ]);
        return true;
      },
    );
  });

  it("the default shard of an organisation is fixed by its id and the count: these values may never change, or every user's organisations would move", () => {
    const ids = Array.from({ length: 16 }, (_, i) => i + 2);
    assert.deepEqual(
      ids.map((id) => defaultShard(id, 3)),
      [0, 2, 1, 1, 2, 1, 2, 2, 0, 0, 0, 1, 2, 0, 1, 1],
    );
    assert.deepEqual(
      ids.map((id) => defaultShard(id, 4)),
      [0, 3, 1, 3, 2, 1, 2, 3, 0, 0, 0, 1, 2, 3, 3, 1],
    );
    assert.ok(ids.every((id) => defaultShard(id, 1) === 0));
  });

  it("adding and removing organisations never moves another one", () => {
    const before = range(1000, 1000);
    const after = [...before.filter((_, i) => i % 7 !== 0), ...range(50_000, 1000)];
    for (const count of [2, 5, 16]) {
      const was = assignment(before, count);
      for (const [orgId, shard] of assignment(after, count)) {
        if (was.has(orgId)) assert.equal(shard, was.get(orgId), `org ${orgId} at ${count} shards`);
      }
    }
  });

  it("every organisation is declared by exactly one shard, and the shards are about equal", () => {
    const entries = range(1, 2000);
    const count = 5;
    const seen = new Map<number, number>();
    for (let shard = 0; shard < count; shard++) {
      const mine = entriesOfShard(entries, shard, count);
      assert.ok(mine.length > 340 && mine.length < 460, `shard ${shard} has ${mine.length} of 2,000`);
      for (const e of mine) {
        assert.equal(seen.get(e.args.orgId), undefined, `org ${e.args.orgId} in two shards`);
        seen.set(e.args.orgId, shard);
      }
    }
    assert.equal(seen.size, entries.length);
  });

  it("growing N to N+1 moves only organisations to the new shard, about 1 in N+1; shrinking back moves exactly them back", () => {
    const entries = range(1, 3000);
    for (const from of [1, 2, 5, 9]) {
      const grown = shardChanges(entries, from, from + 1);
      assert.ok(
        grown.every((c) => c.to === from),
        "every organisation that moves goes to the new shard",
      );
      const share = grown.length / entries.length;
      assert.ok(share > 0.8 / (from + 1) && share < 1.2 / (from + 1), `${from}→${from + 1}: ${grown.length} of ${entries.length} moved`);
      const shrunk = shardChanges(entries, from + 1, from);
      assert.deepEqual(
        shrunk.map((c) => [c.orgId, c.from, c.to]),
        grown.map((c) => [c.orgId, c.to, c.from]),
      );
    }
  });

  it("doubling N moves about half of the organisations, each to one of the new shards", () => {
    const changes = shardChanges(range(1, 2000), 4, 8);
    assert.ok(changes.every((c) => c.to >= 4));
    assert.ok(changes.length > 850 && changes.length < 1150, `${changes.length} of 2000 moved`);
  });

  it("an explicit shard wins and stays when N grows; one not below the count is refused by every shard, naming the organisation", () => {
    const pinned = [entry(2, 0), entry(3, 1), ...range(10, 500)];
    assert.deepEqual(
      shardChanges(pinned, 2, 3).filter((c) => c.orgId < 10),
      [],
    );
    assert.equal(shardOf(entry(3, 1), 7), 1);
    const tooFar = [entry(2), entry(3, 4)];
    for (const shard of [0, 1, 2]) {
      assert.throws(
        () => entriesOfShard(tooFar, shard, 3),
        (error: unknown) => error instanceof ShardError && error.message === "org-3 (id 3) has shard 4, but the shard count is 3",
      );
    }
  });

  it("refuses a shard count or index out of range", () => {
    assert.throws(() => defaultShard(2, 0), /shard count must be a whole number from 1 to 1000, got 0/);
    assert.throws(() => entriesOfShard([], 3, 3), /shard must be a whole number from 0 to 2 \(the shard count is 3\), got 3/);
    assert.throws(() => entriesOfShard([], 0.5, 3), ShardError);
  });
});
