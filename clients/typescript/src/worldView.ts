import type { WorldUpdate, ZoneArrival } from "./gen/world_pb.js";

export interface Entity {
  readonly entityId: number;
  readonly characterId: string;
  readonly name: string;
  readonly x: number;
  readonly y: number;
}

/**
 * What one client knows of its zone, kept up to date from WorldUpdate pushes: apply every update in order,
 * and reset on entering the world or a new zone (docs/protocol.md, "The world").
 * The first update of a zone can arrive before the code awaiting EnterWorld (or the Move that changed zone) has
 * called reset: updates of a zone the view is not in are held, and reset applies those of the zone it enters.
 */
export class WorldView {
  /** Updates of other zones held for a reset to come; the oldest go first beyond this. */
  static readonly maxHeldUpdates = 64;
  private readonly known = new Map<number, Entity>();
  private held: WorldUpdate[] = [];
  zoneId = "";
  selfId = 0;

  get entities(): ReadonlyMap<number, Entity> {
    return this.known;
  }

  reset(arrival: ZoneArrival): void {
    this.known.clear();
    this.zoneId = arrival.zone?.zoneId ?? "";
    this.selfId = arrival.entityId;
    const held = this.held;
    this.held = [];
    for (const update of held) {
      if (update.zoneId === this.zoneId) {
        this.apply(update);
      }
    }
  }

  /** Applies one update (left, then entered, then moved); an update of another zone is held for the next reset. */
  apply(update: WorldUpdate): void {
    if (update.zoneId !== this.zoneId) {
      this.held.push(update);
      if (this.held.length > WorldView.maxHeldUpdates) {
        this.held.shift();
      }

      return;
    }

    for (const id of update.left) {
      this.known.delete(id);
    }

    for (const e of update.entered) {
      this.known.set(e.entityId, { entityId: e.entityId, characterId: e.characterId, name: e.name, x: e.position?.x ?? 0, y: e.position?.y ?? 0 });
    }

    for (const m of update.moved) {
      const entity = this.known.get(m.entityId);
      if (entity) {
        this.known.set(m.entityId, { ...entity, x: m.position?.x ?? entity.x, y: m.position?.y ?? entity.y });
      }
    }
  }

  findByName(name: string): Entity | undefined {
    for (const entity of this.known.values()) {
      if (entity.name === name) {
        return entity;
      }
    }

    return undefined;
  }
}
