// The world view alone: no server needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorldView, WorldUpdateSchema, ZoneArrivalSchema, ZoneInfoSchema, EntityAppearedSchema, Vec2Schema } from "../dist/index.js";

const arrival = (zoneId) => create(ZoneArrivalSchema, { zone: create(ZoneInfoSchema, { zoneId }), entityId: 1 });
const entered = (zoneId, entityId, name) => create(WorldUpdateSchema, {
  zoneId,
  entered: [create(EntityAppearedSchema, { entityId, name, position: create(Vec2Schema, { x: 1, y: 2 }) })],
});

test("an update that comes before the arrival is applied by the reset to its zone", () => {
  const view = new WorldView();
  view.apply(entered("meadow", 7, "alice"));
  view.reset(arrival("meadow"));
  assert.equal(view.findByName("alice")?.entityId, 7);
});

test("held updates of another zone are dropped at the reset", () => {
  const view = new WorldView();
  view.reset(arrival("meadow"));
  view.apply(entered("forest", 8, "bob"));
  view.reset(arrival("town"));
  assert.equal(view.findByName("bob"), undefined);
  assert.equal(view.entities.size, 0);
});
