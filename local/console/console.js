// The local console: polls /_local/console/state every second and renders it. Every value from the
// runtime is inserted with textContent (never as markup); actions call the runtime's endpoints.
"use strict";

const STATE_URL = "/_local/console/state";
const POLL_MS = 1000;
let services = [];

/** An element with attributes, and children (nodes, or strings inserted as text). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function replace(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat(Infinity));
}

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "");

function box(kind, title, lines, attributes) {
  return el(
    "div",
    { className: `box ${kind}`, ...attributes },
    el("div", { className: "box-title" }, title),
    lines.filter(Boolean).map((line) => el("div", { className: "box-line" }, line)),
  );
}

function column(title, ...boxes) {
  return el("div", { className: "column" }, el("div", { className: "column-title" }, title), boxes);
}

const arrow = () => el("div", { className: "arrow", "aria-hidden": "true" }, "→");

function functionLine(fn) {
  if (!fn || fn.invocations === undefined) return "";
  return `${fn.invocations} invocations · ${fn.succeeded} ok · ${fn.failed} failed`;
}

function renderTopology(topology) {
  const api = topology.functions.find((f) => topology.routes.some((r) => r.functionName === f.name));
  const routes = box(
    "api",
    "HTTP API",
    topology.routes.map((r) => r.routeKey),
    { "data-node": "api" },
  );
  const topics = topology.topics.map((t) =>
    box("topic", t.name, [t.fifo ? "SNS FIFO topic" : "SNS topic"], { "data-node": "topic" }),
  );
  const relays = topology.streams.map((s) =>
    box("function", s.functionName, [`stream of ${s.tableName}`, functionLine(s)], { "data-node": "relay" }),
  );
  const queues = topology.services.map((s) => {
    const dlq = s.deadLetterQueue.depth;
    return el(
      "div",
      { className: "box queue", "data-node": "queue", "data-service": s.service },
      el("div", { className: "box-title" }, s.queue.name),
      el(
        "div",
        { className: "box-line filter" },
        s.subscription && s.subscription.filterPolicy
          ? `filter ${s.subscription.filterPolicyScope === "MessageBody" ? "(body) " : ""}${s.subscription.filterPolicy}`
          : "every event",
      ),
      el("div", { className: "box-line" }, `${s.queue.visible} visible · ${s.queue.inFlight} in flight`),
      el(
        "div",
        { className: `box-line dlq-count${dlq > 0 ? " alert" : ""}`, "data-dlq-depth": dlq },
        `DLQ ${s.deadLetterQueue.name}: ${dlq}`,
      ),
    );
  });
  const consumers = topology.services.map((s) =>
    box("function", s.function.name, [`SQS batches of ${s.queue.name}`, functionLine(s.function)], {
      "data-node": "function",
      "data-service": s.service,
    }),
  );
  const tables = topology.tables.map((t) =>
    box("table", t.name, [`key ${t.partitionKey}`, t.stream ? `stream ${t.stream}` : ""], { "data-node": "table" }),
  );
  replace(
    "topology",
    column("API", routes, api ? box("function", api.name, [functionLine(api)], { "data-node": "api-function" }) : null),
    arrow(),
    column("Outbox", relays),
    arrow(),
    column("Topic", topics),
    arrow(),
    column("Subscriptions → queues", queues),
    arrow(),
    column("Functions", consumers),
    arrow(),
    column("Tables", tables),
  );
}

function renderOrders(orders, topology, deadLetters) {
  replace(
    "orders-head",
    el(
      "tr",
      {},
      el("th", {}, "order"),
      el("th", {}, "placed"),
      el("th", {}, "status"),
      topology.services.map((s) => el("th", {}, s.service, s.filtered ? el("small", {}, " (filtered)") : null)),
    ),
  );
  const dead = new Set();
  for (const [service, d] of Object.entries(deadLetters))
    for (const m of d.messages || []) dead.add(`${service} ${m.orderId}`);
  replace(
    "orders",
    orders.map((order) =>
      el(
        "tr",
        { "data-order-id": order.orderId, "data-order-status": order.status },
        el("td", { className: "mono" }, order.orderId),
        el("td", {}, time(order.createdAt)),
        el("td", { className: `status ${String(order.status).toLowerCase()}` }, order.status),
        topology.services.map((s) => {
          const outcome = (order.fulfilment || {})[s.service];
          const deadLettered = dead.has(`${s.service} ${order.orderId}`);
          return el(
            "td",
            {
              className: `outcome${outcome ? " done" : ""}${deadLettered ? " dead" : ""}`,
              "data-service": s.service,
              "data-outcome": outcome ? outcome.status : "",
            },
            outcome ? el("span", {}, outcome.status) : el("span", { className: "muted" }, s.filtered ? "—" : "…"),
            outcome ? el("small", {}, ` ${time(outcome.at)}`) : null,
            deadLettered ? el("small", { className: "alert" }, " in DLQ") : null,
          );
        }),
      ),
    ),
  );
  document.getElementById("orders-empty").hidden = orders.length > 0;
}

function renderDeadLetters(topology, deadLetters, redrives) {
  replace(
    "dlqs",
    topology.services.map((s) => {
      const d = deadLetters[s.service] || { depth: 0, messages: [] };
      const run = redrives[s.service];
      const messages = d.messages || [];
      return el(
        "div",
        { className: `dlq${d.depth > 0 ? " alert" : ""}`, "data-dlq": s.service, "data-depth": d.depth },
        el(
          "div",
          { className: "dlq-head" },
          el("strong", {}, s.service),
          el("span", { className: "mono" }, ` ${s.deadLetterQueue.name}`),
          el("span", { className: "depth" }, `${d.depth} message${d.depth === 1 ? "" : "s"}`),
          d.depth > 0
            ? el(
                "button",
                { type: "button", "data-redrive": s.service, disabled: run && run.status === "RUNNING" },
                "Redrive",
              )
            : null,
        ),
        d.depth > 0 && d.messages === null ? el("div", { className: "muted" }, "listing…") : null,
        d.error ? el("div", { className: "error" }, d.error) : null,
        messages.length > 0
          ? el(
              "ul",
              {},
              messages.map((m) =>
                el(
                  "li",
                  { "data-dlq-message": m.messageId, "data-order-id": m.orderId },
                  el("span", { className: "mono" }, m.orderId),
                  ` ${m.eventType} · receives ${m.receiveCount} · ${m.failedAtSource} ${time(m.failedAt)}`,
                  el("div", { className: "reason", "data-reason": m.reason }, `reason: ${m.reason}`),
                ),
              ),
            )
          : null,
        run
          ? el(
              "div",
              { className: "redrive", "data-redrive-status": run.status },
              `redrive ${run.status}`,
              run.lines.length > 0 ? ` · ${run.lines[run.lines.length - 1]}` : "",
              run.error ? el("span", { className: "error" }, ` ${run.error}`) : null,
            )
          : null,
      );
    }),
  );
}

function describeFault(f) {
  const s = f.spec;
  const left = f.remaining === null ? "" : ` · ${f.remaining} left`;
  if (s.publish) return `Publish refused for ${s.orderId ? `order ${s.orderId}` : "every order"}${left}`;
  if (s.share !== undefined) return `${s.function}: ${Math.round(s.share * 100)}% of invocations throw${left}`;
  const which = [s.orderId ? `order ${s.orderId}` : "", s.eventType ? s.eventType : ""].filter(Boolean).join(", ");
  return `${s.function}: messages of ${which} fail${left}`;
}

function renderFaults(faults) {
  replace(
    "faults",
    faults.map((f) =>
      el(
        "li",
        { "data-fault": f.id },
        el("span", { className: "mono" }, f.id),
        ` ${describeFault(f)} `,
        el("button", { type: "button", "data-remove-fault": f.id }, "Remove"),
      ),
    ),
  );
  document.getElementById("faults-empty").hidden = faults.length > 0;
}

function renderDenials(access) {
  const roles = Object.entries(access.byRole);
  replace(
    "denials",
    roles.map(([role, d]) =>
      el(
        "li",
        { "data-role": role },
        el("strong", {}, role),
        ` ${d.count} call${d.count === 1 ? "" : "s"} denied, last at ${time(d.last.at)}: `,
        el("span", { className: "mono" }, d.last.message),
      ),
    ),
  );
  document.getElementById("denials-empty").hidden = roles.length > 0;
}

let lastMails = [];

function renderMailbox(mails) {
  lastMails = mails;
  const order = document.getElementById("mailbox-order").value.trim();
  const shown = order ? mails.filter((m) => m.subject.includes(order) || m.text.includes(order)) : mails;
  replace(
    "mailbox",
    shown.map((m) =>
      el(
        "tr",
        { "data-message-id": m.messageId },
        el("td", {}, time(m.at)),
        el("td", {}, m.to.join(", ")),
        el("td", { title: m.text }, m.subject),
      ),
    ),
  );
  document.getElementById("mailbox-empty").hidden = shown.length > 0;
}

function renderServices(topology) {
  const names = topology.services.map((s) => s.service);
  if (names.join() === services.join()) return;
  services = names;
  replace(
    "fault-service",
    names.map((n) => el("option", { value: n }, n)),
  );
}

function setConnection(ok, text) {
  const p = document.getElementById("connection");
  p.dataset.connection = ok ? "live" : "down";
  p.textContent = text;
}

async function refresh() {
  try {
    const response = await fetch(STATE_URL, { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const state = await response.json();
    renderServices(state.topology);
    renderTopology(state.topology);
    renderOrders(state.orders, state.topology, state.deadLetters);
    renderDeadLetters(state.topology, state.deadLetters, state.redrives);
    renderFaults(state.faults);
    renderDenials(state.access);
    renderMailbox(state.mailbox);
    setConnection(true, `live · ${time(state.now)}`);
  } catch (error) {
    setConnection(false, `runtime not answering: ${error.message}`);
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

async function post(url, method, body) {
  // Always JSON: the runtime takes no other body on a route that changes state.
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || `${response.status} ${response.statusText}`);
  return answer;
}

function showError(error) {
  document.getElementById("fault-error").textContent = error ? error.message : "";
}

function formSpec(form) {
  const spec = {};
  for (const [name, value] of new FormData(form).entries()) {
    const text = String(value).trim();
    if (text === "") continue;
    spec[name] = name === "times" ? Number(text) : text;
  }
  return spec;
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("mailbox-order").addEventListener("input", () => renderMailbox(lastMails));
  document.getElementById("message-fault").addEventListener("submit", (event) => {
    event.preventDefault();
    post("/_local/faults", "POST", formSpec(event.target)).then(() => showError(), showError);
  });
  document.getElementById("publish-fault").addEventListener("submit", (event) => {
    event.preventDefault();
    post("/_local/faults", "POST", { publish: "refuse", ...formSpec(event.target) }).then(() => showError(), showError);
  });
  document.getElementById("faults").addEventListener("click", (event) => {
    const id = event.target.closest("[data-remove-fault]")?.dataset.removeFault;
    if (id) post(`/_local/faults/${encodeURIComponent(id)}`, "DELETE").then(() => showError(), showError);
  });
  document.getElementById("dlqs").addEventListener("click", (event) => {
    const button = event.target.closest("[data-redrive]");
    if (!button) return;
    button.disabled = true;
    post(`/_local/console/redrive/${encodeURIComponent(button.dataset.redrive)}`, "POST").then(
      () => showError(),
      showError,
    );
  });
  refresh();
});
