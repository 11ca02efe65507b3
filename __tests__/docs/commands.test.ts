/**
 * Every command README.md and docs/ show exists as written: each `npm run <script>` is a script of
 * package.json, and each `npm run ops -- <command>` or `npm run catalogue -- <command>` is a command
 * its own usage text names.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { USAGE as OPS_USAGE } from "../../bin/ops";
import { REPLAY_USAGE } from "../../bin/replay";
import { OUTBOX_USAGE } from "../../bin/outbox";
import { UNUSED_GRANTS_USAGE } from "../../bin/unused-grants";
import { USAGE as CATALOGUE_USAGE } from "../../bin/catalogue";

const ROOT = path.join(__dirname, "..", "..");
const DOCS = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const text = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const scripts = Object.keys((JSON.parse(text("package.json")) as { scripts: Record<string, string> }).scripts);

/** Each match of `pattern` in the documents, with the file it is in. */
function shown(pattern: RegExp): { file: string; command: string; words: string[] }[] {
  return DOCS.flatMap((file) =>
    [...text(file).matchAll(pattern)].map((m) => ({ file, command: m[0], words: m.slice(1).filter(Boolean) })),
  );
}

it("names only scripts package.json has", () => {
  const named = shown(/npm run ([a-z0-9:-]+)/g);
  expect(named.length).toBeGreaterThan(50);
  expect(named.filter(({ words }) => !scripts.includes(words[0]))).toEqual([]);
});

it("names only commands the operator tools' usage texts name", () => {
  const usage = {
    ops: [OPS_USAGE, REPLAY_USAGE, OUTBOX_USAGE, UNUSED_GRANTS_USAGE].join("\n"),
    catalogue: CATALOGUE_USAGE,
  };
  const named = shown(/npm run (ops|catalogue) -- ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g);
  expect(named.length).toBeGreaterThan(10);
  const unknown = named.filter(({ words: [tool, ...command] }) => {
    const text = usage[tool as keyof typeof usage];
    // `outbox list|replay` in one line of the usage names both.
    return !command.some((_, n) =>
      text.includes(`npm run ${tool} -- ${command.slice(0, command.length - n).join(" ")}`),
    );
  });
  expect(unknown).toEqual([]);
});
