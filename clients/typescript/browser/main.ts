// The browser client served by the gateway (Gateway/wwwroot): log in, enter the world, walk with the arrow
// keys, see others on a 2-D canvas, chat. Built into one file by scripts/bundle.mjs.
import { ChatChannel, MmoClient, MmoError, WorldView, ErrorCode, type ChatMessage, type ZoneInfo } from "../src/index.js";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (text: string): void => {
  $("status").textContent = text;
};

let client: MmoClient | undefined;
let zone: ZoneInfo | undefined;
const view = new WorldView();
const self = { name: "", x: 0, y: 0 };
const keys = new Set<string>();

async function play(username: string, password: string, characterName: string, register: boolean): Promise<void> {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  client = await MmoClient.connect(url, { clientName: "OrleansMmo.Browser" });
  client.onClose = (info) => status(`disconnected: ${info.detail}`);
  client.onChat = (message) => addChat(message);
  client.onWorldUpdate = (update) => {
    view.apply(update);
    renderEntities();
  };
  if (register) {
    try {
      await client.register(username, password);
    } catch (error) {
      if (!(error instanceof MmoError && error.code === ErrorCode.USERNAME_TAKEN)) {
        throw error;
      }
    }
  }

  // The device token is kept per account name in this browser: guesses by others behind the same address
  // (an office, a carrier NAT) then cannot get this player's logins throttled.
  const deviceKey = `orleansmmo.device.${username.toLowerCase()}`;
  const login = await client.login(username, password, localStorage.getItem(deviceKey) ?? undefined);
  if (login.deviceToken) {
    localStorage.setItem(deviceKey, login.deviceToken);
  }
  const characters = await client.listCharacters();
  const character = characters.find((c) => c.name.toLowerCase() === characterName.toLowerCase())
    ?? (characterName ? await client.createCharacter(characterName) : characters[0]);
  if (!character) {
    throw new Error("no character: enter a name to create one");
  }

  const entered = await client.enterWorld(character.characterId);
  arrive(entered.arrival!.zone!, entered.arrival!.position!.x, entered.arrival!.position!.y);
  view.reset(entered.arrival!);
  self.name = character.name;
  $("login").hidden = true;
  $("game").hidden = false;
  status(`${character.name} in ${zone!.name || zone!.zoneId}`);
  renderEntities();
}

function arrive(next: ZoneInfo, x: number, y: number): void {
  zone = next;
  self.x = x;
  self.y = y;
  const canvas = $<HTMLCanvasElement>("world");
  canvas.dataset.zone = next.zoneId;
}

/** Whether a move is waiting for its answer: the next one is not sent before it (see step). */
let moving = false;

/**
 * Walks at 80% of the zone's speed, at most ten moves a second, while arrow keys are held. One move at a time:
 * moves sent faster than they are answered (a slow network, a busy server) would queue behind each other on the
 * server, arrive there in a burst and be judged too fast together.
 */
async function step(): Promise<void> {
  if (moving || !client?.isConnected || !zone || keys.size === 0) {
    return;
  }

  const distance = zone.maxSpeed * 0.8 * 0.1;
  const dx = (keys.has("ArrowRight") ? 1 : 0) - (keys.has("ArrowLeft") ? 1 : 0);
  const dy = (keys.has("ArrowUp") ? 1 : 0) - (keys.has("ArrowDown") ? 1 : 0);
  if (dx === 0 && dy === 0) {
    return;
  }

  const x = Math.min(zone.width - 0.01, Math.max(0.01, self.x + dx * distance));
  const y = Math.min(zone.height - 0.01, Math.max(0.01, self.y + dy * distance));
  self.x = x;
  self.y = y;
  let answer;
  moving = true;
  try {
    answer = await client.move(x, y);
  } finally {
    moving = false;
  }
  if (answer.zoneChanged) {
    arrive(answer.zoneChanged.zone!, answer.zoneChanged.position!.x, answer.zoneChanged.position!.y);
    view.reset(answer.zoneChanged);
    status(`${self.name} in ${zone!.name || zone!.zoneId}`);
  } else if (!answer.accepted && answer.position) {
    self.x = answer.position.x;
    self.y = answer.position.y;
  }

  renderEntities();
}

function renderEntities(): void {
  $("me").textContent = `${self.name} ${self.x.toFixed(1)},${self.y.toFixed(1)}`;
  const list = $("entities");
  list.replaceChildren(...[...view.entities.values()].map((e) => {
    const item = document.createElement("li");
    item.dataset.name = e.name;
    item.dataset.x = e.x.toFixed(2);
    item.dataset.y = e.y.toFixed(2);
    item.textContent = `${e.name} ${e.x.toFixed(1)},${e.y.toFixed(1)}`;
    return item;
  }));
}

function draw(): void {
  const canvas = $<HTMLCanvasElement>("world");
  const g = canvas.getContext("2d")!;
  g.fillStyle = "#10151c";
  g.fillRect(0, 0, canvas.width, canvas.height);
  if (zone) {
    // The view around the player: the view radius fills the canvas's shorter half.
    const scale = Math.min(canvas.width, canvas.height) / 2 / Math.max(1, zone.viewRadius);
    const toScreen = (x: number, y: number): [number, number] => [canvas.width / 2 + (x - self.x) * scale, canvas.height / 2 - (y - self.y) * scale];
    g.strokeStyle = "#2c3e50";
    const [left, top] = toScreen(0, zone.height);
    g.strokeRect(left, top, zone.width * scale, zone.height * scale);
    g.strokeStyle = "#34495e";
    g.beginPath();
    g.arc(canvas.width / 2, canvas.height / 2, zone.viewRadius * scale, 0, Math.PI * 2);
    g.stroke();
    g.font = "12px sans-serif";
    for (const e of view.entities.values()) {
      const [x, y] = toScreen(e.x, e.y);
      dot(g, x, y, "#e67e22", e.name);
    }

    dot(g, canvas.width / 2, canvas.height / 2, "#2ecc71", self.name);
  }

  requestAnimationFrame(draw);
}

function dot(g: CanvasRenderingContext2D, x: number, y: number, color: string, label: string): void {
  g.fillStyle = color;
  g.beginPath();
  g.arc(x, y, 6, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = "#ecf0f1";
  g.fillText(label, x + 9, y - 9);
}

function addChat(message: ChatMessage): void {
  const item = document.createElement("li");
  item.textContent = `${message.fromName || "system"}: ${message.text}`;
  $("chat").append(item);
}

$<HTMLFormElement>("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  play(String(form.get("username")), String(form.get("password")), String(form.get("character") ?? ""), form.get("register") === "on")
    .catch((error: unknown) => status(`error: ${error instanceof Error ? error.message : String(error)}`));
});

$<HTMLFormElement>("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("line");
  const text = input.value.trim();
  input.value = "";
  if (text && client) {
    client.chat(ChatChannel.SAY, text).catch((error: unknown) => status(`chat: ${error instanceof Error ? error.message : String(error)}`));
  }
});

const walk = (): void => {
  step().catch((error: unknown) => status(`move: ${error instanceof Error ? error.message : String(error)}`));
};
addEventListener("keydown", (event) => {
  if (event.key.startsWith("Arrow") && document.activeElement?.tagName !== "INPUT") {
    const pressed = !keys.has(event.key);
    keys.add(event.key);
    event.preventDefault();
    if (pressed) {
      // A tap is one step, at once: the interval alone would miss a key let go within 100 ms. Only the first
      // keydown: the key's auto-repeat must not walk faster than the interval's ten steps a second.
      walk();
    }
  }
});
addEventListener("keyup", (event) => keys.delete(event.key));
setInterval(walk, 100);
requestAnimationFrame(draw);
