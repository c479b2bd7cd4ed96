// The OrleansMmo operators' console: plain JavaScript over the operator API (/api), with the key in
// X-Admin-Key. The key is kept for this browser tab only (sessionStorage). The live map is pushed by the
// silo as server-sent events, read here with fetch (EventSource cannot send the key header).
"use strict";

const state = { key: sessionStorage.getItem("mmo-key") || "", player: null, mapAbort: null, zones: [] };
const $ = (selector) => document.querySelector(selector);

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "X-Admin-Key": state.key, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (json && "outcome" in json) return { ok: json.outcome === "ok", status: response.status, message: json.message, value: json.value };
  return { ok: response.ok, status: response.status, message: json?.detail || text, value: json };
}

function status(text, ok = true) {
  const line = $("#status");
  line.textContent = text;
  line.className = ok ? "ok" : "failed";
}

function cells(row, values) {
  for (const value of values) {
    const cell = document.createElement("td");
    cell.textContent = value ?? "-";
    row.appendChild(cell);
  }
}

function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== view;
  if (view !== "map" && state.mapAbort) { state.mapAbort.abort(); state.mapAbort = null; }
  if (view === "worlds") loadWorlds();
  if (view === "online") loadOnline();
  if (view === "audit") loadAudit();
  if (view === "map") loadMapChoices();
}

async function login(key) {
  state.key = key;
  const me = await api("GET", "/api/whoami");
  if (!me.ok) {
    $("#login-error").textContent = `refused (${me.status})`;
    return;
  }

  sessionStorage.setItem("mmo-key", key);
  $("#who").textContent = `${me.value.name} (${me.value.role})`;
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  show("worlds");
}

async function loadWorlds() {
  const answer = await api("GET", "/api/worlds");
  if (!answer.ok) return status(answer.message, false);
  const body = $("#worlds tbody");
  body.replaceChildren();
  for (const world of answer.value) {
    const row = document.createElement("tr");
    row.dataset.world = world.worldId;
    cells(row, [world.worldId, world.name, world.state, world.online, world.capacity, world.queued, world.maintenance ? "on" : "off"]);
    body.appendChild(row);
  }
}

async function loadOnline(search = "") {
  const answer = await api("GET", `/api/online?limit=200&search=${encodeURIComponent(search)}`);
  if (!answer.ok) return status(answer.message, false);
  const body = $("#online tbody");
  body.replaceChildren();
  for (const player of answer.value.players) {
    const row = document.createElement("tr");
    row.dataset.name = player.characterName;
    cells(row, [player.characterName, player.worldId, player.username, player.gatewayId, player.remoteAddress, player.inWorldSince]);
    row.addEventListener("click", () => openPlayer(player.worldId, player.characterName));
    body.appendChild(row);
  }
  status(`${answer.value.total} online`);
}

// keepResult: a refresh after an action keeps the action's outcome line in view.
async function openPlayer(world, name, keepResult = false) {
  state.player = { world, name };
  show("player");
  $("#player-name").textContent = `${name} (${world})`;
  if (!keepResult) $("#player-result").textContent = "";
  const answer = await api("GET", `/api/characters/${encodeURIComponent(world)}/${encodeURIComponent(name)}`);
  const details = $("#player-details");
  details.replaceChildren();
  if (!answer.ok) return status(answer.message, false);
  const { account, character, playTime } = answer.value;
  const facts = [
    ["Account", `${account.username} (${account.role})`],
    ["Online", character?.inWorld ? `yes, on ${character.gatewayId}` : "no"],
    ["Zone", character ? `${character.zoneId} (${character.position.x.toFixed(1)}, ${character.position.y.toFixed(1)})` : "-"],
    ["Level", character?.level], ["Gold", character?.gold],
    ["Items", character ? character.inventory.map((s) => `${s.itemId} x${s.count}`).join(", ") : "-"],
    ["Last login", account.lastLoginAt], ["Play time", playTime.total], ["Sessions", playTime.sessions],
    ["Ban", account.ban ? `until ${account.ban.until ?? "lifted"}: ${account.ban.reason}` : "none"],
    ["Muted until", character?.mutedUntil ?? "-"],
  ];
  for (const [term, value] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value ?? "-";
    details.append(dt, dd);
  }
  state.player.username = account.username;
}

async function act(method, path, body) {
  const answer = await api(method, path, body);
  const line = $("#player-result");
  line.textContent = `${answer.ok ? "done" : "refused"}: ${answer.message}`;
  line.className = answer.ok ? "ok" : "failed";
  // The refresh shows the action's effect, but only if the operator is still on the player's page: it must not
  // pull them back from a view they went to meanwhile.
  const player = state.player;
  if (answer.ok && player) setTimeout(() => { if (!$("#player").hidden && state.player === player) openPlayer(player.world, player.name, true); }, 300);
}

function characterPath() {
  return `/api/characters/${encodeURIComponent(state.player.world)}/${encodeURIComponent(state.player.name)}`;
}

async function loadAudit(filter = {}) {
  const query = new URLSearchParams({ limit: "200" });
  for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
  const answer = await api("GET", `/api/audit?${query}`);
  if (!answer.ok) return status(answer.message, false);
  const body = $("#audit tbody");
  body.replaceChildren();
  for (const entry of answer.value) {
    const row = document.createElement("tr");
    row.dataset.action = entry.action;
    row.dataset.target = entry.target;
    cells(row, [entry.at, entry.operator, entry.channel, entry.source, entry.action, entry.target, entry.details, entry.result]);
    body.appendChild(row);
  }
}

async function loadMapChoices() {
  const form = $("#map-pick");
  if (form.world.options.length > 0) return;
  const [worlds, zones] = await Promise.all([api("GET", "/api/worlds"), api("GET", "/api/zones")]);
  if (!worlds.ok || !zones.ok) return status("cannot list worlds and zones", false);
  state.zones = zones.value;
  for (const world of worlds.value) form.world.add(new Option(world.name, world.worldId));
  for (const zone of zones.value) form.zone.add(new Option(zone.name, zone.zoneId));
}

// Reads the server-sent events of one zone's live map until the view changes.
async function watchMap(world, zoneId) {
  if (state.mapAbort) state.mapAbort.abort();
  const abort = new AbortController();
  state.mapAbort = abort;
  const zone = state.zones.find((z) => z.zoneId === zoneId);
  const svg = $("#map-view");
  svg.setAttribute("viewBox", `0 0 ${zone.width} ${zone.height}`);
  svg.dataset.zone = zoneId;
  svg.dataset.drawn = "";
  const response = await fetch(`/api/zones/${encodeURIComponent(world)}/${encodeURIComponent(zoneId)}/live`, {
    headers: { "X-Admin-Key": state.key },
    signal: abort.signal,
  });
  if (!response.ok) return status(`the live map was refused (${response.status})`, false);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) drawMap(world, zone, JSON.parse(data));
      }
    }
  } catch (error) {
    if (error.name !== "AbortError") status(`the live map stopped: ${error.message}`, false);
  }
}

// Draws a snapshot, keeping one dot and label per entity across snapshots (moved, not redrawn), so a dot
// being clicked is not replaced under the pointer. An entity's kind ("player" or "creature") is its CSS
// class, with "dead" added while it lies dead.
function drawMap(world, zone, snapshot) {
  const svg = $("#map-view");
  const ns = "http://www.w3.org/2000/svg";
  const unit = Math.max(zone.width, zone.height) / 100;
  if (svg.dataset.drawn !== `${world}/${zone.zoneId}`) {
    svg.replaceChildren();
    svg.dataset.drawn = `${world}/${zone.zoneId}`;
    for (const portal of zone.portals) {
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("class", "portal");
      rect.setAttribute("x", portal.minX);
      rect.setAttribute("y", zone.height - portal.maxY);
      rect.setAttribute("width", Math.max(portal.maxX - portal.minX, unit / 2));
      rect.setAttribute("height", Math.max(portal.maxY - portal.minY, unit / 2));
      svg.appendChild(rect);
    }
  }
  const present = new Set();
  for (const entity of snapshot.entities) {
    const key = `${entity.kind}-${entity.entityId}`;
    present.add(key);
    let group = svg.querySelector(`g[data-key="${key}"]`);
    if (!group) {
      group = document.createElementNS(ns, "g");
      group.dataset.key = key;
      group.dataset.kind = entity.kind;
      group.dataset.name = entity.name;
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("class", entity.kind);
      dot.setAttribute("r", unit);
      dot.dataset.name = entity.name;
      dot.dataset.kind = entity.kind;
      dot.appendChild(document.createElementNS(ns, "title"));
      const label = document.createElementNS(ns, "text");
      label.setAttribute("font-size", unit * 2.2);
      label.textContent = entity.name;
      group.append(dot, label);
      if (entity.kind === "player") group.addEventListener("click", () => openPlayer(world, entity.name));
      svg.appendChild(group);
    }
    const [dot, label] = group.children;
    // North is up: y grows to the north on the map, downwards in SVG.
    dot.setAttribute("class", entity.dead ? `${entity.kind} dead` : entity.kind);
    dot.setAttribute("cx", entity.x);
    dot.setAttribute("cy", zone.height - entity.y);
    dot.dataset.x = entity.x;
    dot.dataset.y = entity.y;
    dot.firstChild.textContent = `${entity.name} (${entity.x.toFixed(1)}, ${entity.y.toFixed(1)})`;
    label.setAttribute("x", entity.x + unit * 1.5);
    label.setAttribute("y", zone.height - entity.y + unit / 2);
  }
  for (const group of svg.querySelectorAll("g[data-key]")) if (!present.has(group.dataset.key)) group.remove();
  $("#map-info").textContent = `${zone.name}: ${snapshot.entities.length} entities, tick ${snapshot.tick}`;
}

$("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  login(event.target.key.value);
});
$("#logout").addEventListener("click", () => {
  sessionStorage.removeItem("mmo-key");
  location.reload();
});
for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => show(button.dataset.view));
$("#online-search").addEventListener("submit", (event) => {
  event.preventDefault();
  loadOnline(event.target.search.value);
});
$("#audit-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  loadAudit({ target: form.target.value, operator: form.operator.value, action: form.action.value });
});
$("#map-pick").addEventListener("submit", (event) => {
  event.preventDefault();
  watchMap(event.target.world.value, event.target.zone.value);
});
$("#act-kick").addEventListener("click", () => act("POST", `${characterPath()}/kick`, { reason: "kicked from the console" }));
$("#act-mute").addEventListener("click", () => act("POST", `${characterPath()}/mute`, { minutes: Number($("#mute-minutes").value), reason: "muted from the console" }));
$("#act-unmute").addEventListener("click", () => act("POST", `${characterPath()}/unmute`));
$("#act-ban").addEventListener("click", () => {
  const minutes = Number($("#ban-minutes").value);
  act("POST", `/api/accounts/${encodeURIComponent(state.player.username)}/ban`, { minutes: minutes > 0 ? minutes : null, reason: "banned from the console" });
});
$("#act-unban").addEventListener("click", () => act("POST", `/api/accounts/${encodeURIComponent(state.player.username)}/unban`));
$("#act-teleport").addEventListener("click", () => act("POST", `${characterPath()}/teleport`, {
  zone: $("#tp-zone").value || null, x: Number($("#tp-x").value), y: Number($("#tp-y").value),
}));
$("#act-grant").addEventListener("click", () => act("POST", `${characterPath()}/grant`, {
  itemId: $("#grant-item").value || null, count: Number($("#grant-count").value), gold: Number($("#grant-gold").value),
}));

if (state.key) login(state.key);
